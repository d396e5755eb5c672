"""Events agenda publishes: solicitations, answers, reminders, escalations, open calls.

They name people by user id and public display name ("Prénom N."): the notifier
finds the address of each recipient in its own copy of accounts' contacts.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel

from shared.contracts.personal_data import ExportPrepared, PersonalDataRead, UserErased
from shared.events import Event

Kind = Literal["class_presentation", "event", "company_visit", "discovery_internship"]
Format = Literal["in_person", "online"]


class Establishment(BaseModel):
    """Where the intervention takes place."""

    uai: str | None = None
    name: str
    city: str
    postcode: str | None = None
    # Added for routing and statistics: the department (from the postcode) and the
    # Nord's bassin d'éducation when known.
    department: str | None = None
    bassin: str | None = None


class Slot(BaseModel):
    """A day, time and duration."""

    starts_at: datetime
    duration_minutes: int


class InterventionFacts(BaseModel):
    """What every email about an intervention shows: how, when, where and before whom.

    Only a base: events carry its subclasses, with these fields under the same names.
    """

    format: Format
    online_url: str | None = None
    starts_at: datetime
    duration_minutes: int
    establishment: Establishment
    audience_level: str | None = None
    group_size: int | None = None


class AppointmentFacts(InterventionFacts):
    """What every appointment email shows."""

    appointment_id: str
    ambassador_id: str
    ambassador_name: str
    requester_id: str
    requester_name: str
    kind: Kind
    topic: str | None = None
    # The rest of the visit brief (optional: older events do not carry it).
    expectations: str | None = None
    equipment: str | None = None
    team_member_present: bool | None = None
    ambassador_sector: str | None = None


class CalendarStamp(BaseModel):
    """iCalendar identity of an appointment: same UID, growing SEQUENCE."""

    uid: str
    sequence: int


class SolicitationCreated(Event):
    """A referent or an educational team asked an ambassador to come."""

    type: ClassVar[str] = "agenda.solicitation.created"

    appointment: AppointmentFacts
    message: str | None = None
    requester_role: Literal["staff", "referent"]
    # Set when a referent sent this brief on from another, unanswered, solicitation.
    redirected_from: str | None = None


class AppointmentAccepted(Event):
    """The ambassador accepted; both sides get a calendar invitation."""

    type: ClassVar[str] = "agenda.appointment.accepted"

    appointment: AppointmentFacts
    message: str | None = None
    calendar: CalendarStamp
    # Set when the requester took an alternative slot of this refused solicitation:
    # the new appointment belongs to the same conversation.
    taken_from: str | None = None


class AppointmentRefused(Event):
    """The ambassador refused, with a personal message and other slots when given."""

    type: ClassVar[str] = "agenda.appointment.refused"

    appointment: AppointmentFacts
    message: str | None = None
    alternative_slots: list[Slot] = []


class AppointmentCancelled(Event):
    """Either side cancelled; ``late`` when under 48 hours before the start."""

    type: ClassVar[str] = "agenda.appointment.cancelled"

    appointment: AppointmentFacts
    cancelled_by: Literal["ambassador", "requester", "referent", "system"]
    reason: str | None = None
    late: bool = False
    calendar: CalendarStamp | None = None  # set when the appointment had been accepted


class AppointmentExpired(Event):
    """The start passed while the solicitation was still pending."""

    type: ClassVar[str] = "agenda.appointment.expired"

    appointment: AppointmentFacts


class SolicitationReminded(Event):
    """The ambassador has not answered after the reminder delay."""

    type: ClassVar[str] = "agenda.solicitation.reminded"

    appointment: AppointmentFacts


class Suggestion(BaseModel):
    """Another ambassador who matches an escalated solicitation."""

    ambassador_id: str
    name: str
    job_title: str | None = None
    sector: str | None = None


class SolicitationEscalated(Event):
    """Still unanswered after the escalation delay: the zone's referents are told."""

    type: ClassVar[str] = "agenda.solicitation.escalated"

    appointment: AppointmentFacts
    referent_ids: list[str]
    suggestions: list[Suggestion] = []


class AppointmentCompleted(Event):
    """The intervention took place; both sides are invited to give feedback."""

    type: ClassVar[str] = "agenda.appointment.completed"

    appointment: AppointmentFacts


class CallFacts(InterventionFacts):
    """What every email about an open call for an event shows."""

    call_id: str
    title: str
    event_type: Literal["forum", "salon", "portes_ouvertes"]
    description: str | None = None
    places: int
    places_left: int
    wanted_sectors: list[str] = []
    organiser_id: str
    organiser_name: str


class CallNotice(Event):
    """Base of the events about an open call that the notifier mails to each of
    ``recipient_ids``."""

    call: CallFacts
    recipient_ids: list[str]


class CallPublished(CallNotice):
    """An event looks for ambassadors: the matching ones of the zone are invited."""

    type: ClassVar[str] = "agenda.call.published"


class CallFilled(CallNotice):
    """Every place of an open call is taken: those invited who did not take one are told."""

    type: ClassVar[str] = "agenda.call.filled"


class AgendaExportPrepared(ExportPrepared):
    """Agenda's part of a person's data export."""

    type: ClassVar[str] = "agenda.export.prepared"


class AgendaUserErased(UserErased):
    """Agenda erased or anonymised what it held about a deleted person."""

    type: ClassVar[str] = "agenda.user.erased"


class AgendaPersonalDataRead(PersonalDataRead):
    """Agenda showed a referent or an admin these people's appointments, queue items,
    attendance or partner hours (for accounts' audit log)."""

    type: ClassVar[str] = "agenda.personal_data.read"


# Every event agenda publishes: its AsyncAPI document and the contract test read it.
PUBLISHED: tuple[type[Event], ...] = (
    SolicitationCreated,
    AppointmentAccepted,
    AppointmentRefused,
    AppointmentCancelled,
    AppointmentExpired,
    SolicitationReminded,
    SolicitationEscalated,
    AppointmentCompleted,
    CallPublished,
    CallFilled,
    AgendaExportPrepared,
    AgendaUserErased,
    AgendaPersonalDataRead,
)
