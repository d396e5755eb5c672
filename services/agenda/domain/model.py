"""What agenda keeps: appointments, and its copies of the people it works with.

An appointment is a solicitation from its creation (status ``pending``) to its end.
It names people by user id and public display name only ("Prénom N."): no email or
phone ever enters agenda.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.accounts import Sponsorship
from shared.contracts.agenda import CalendarStamp, Establishment, Format, Kind, Suggestion

Status = Literal["pending", "accepted", "refused", "cancelled", "expired", "completed"]
RequesterRole = Literal["staff", "referent"]
Side = Literal["ambassador", "requester"]
CancelledBy = Literal["ambassador", "requester", "referent", "system"]

STATUSES: tuple[Status, ...] = (
    "pending",
    "accepted",
    "refused",
    "cancelled",
    "expired",
    "completed",
)
# Solicitations that count against an ambassador's monthly maximum and block a slot.
LIVE: tuple[Status, ...] = ("pending", "accepted")
HELD: tuple[Status, ...] = ("pending", "accepted", "completed")

STATUS_LABELS: dict[str, str] = {
    "pending": "en attente de réponse",
    "accepted": "acceptée",
    "refused": "refusée",
    "cancelled": "annulée",
    "expired": "expirée",
    "completed": "réalisée",
}


class Stored(BaseModel):
    """A MongoDB document as a model: ``_id`` is ``id``; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str = Field(alias="_id")

    def document(self) -> dict[str, Any]:
        """The document to store."""
        return self.model_dump(by_alias=True)


class EstablishmentInfo(Establishment):
    """Where the intervention takes place, as events carry it; agenda always knows
    the postcode and the department, which route solicitations and statistics."""

    postcode: str
    department: str


class Audience(BaseModel):
    """Who the ambassador will meet."""

    level: str
    group_size: int


class AmbassadorSnapshot(BaseModel):
    """The solicited ambassador's public fields when solicited."""

    id: str
    name: str
    profile: str | None = None
    job_title: str | None = None
    sector: str | None = None
    organization_id: str | None = None


class RequesterSnapshot(BaseModel):
    """Who asked: an educational-team member or a referent."""

    id: str
    name: str
    role: RequesterRole


class Slot(BaseModel):
    """A day, time and duration: asked for, or offered with a refusal."""

    model_config = ConfigDict(frozen=True)

    starts_at: datetime
    duration_minutes: int

    @property
    def ends_at(self) -> datetime:
        """When it would end."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Answer(BaseModel):
    """The ambassador's answer."""

    message: str | None = None
    at: datetime


class Cancellation(BaseModel):
    """Who cancelled, why, and whether it was late (under 48 hours before the start)."""

    by: CancelledBy
    by_user_id: str | None = None
    reason: str | None = None
    late: bool
    at: datetime


class Feedback(BaseModel):
    """One side's opinion of an intervention that took place."""

    rating: int
    comment: str | None = None
    at: datetime


class Intervention(Stored):
    """Where, when, how and before whom an ambassador intervenes.

    What an appointment and an open call for an event both say of the intervention.
    """

    format: Format
    online_url: str | None = None
    starts_at: datetime
    duration_minutes: int
    ends_at: datetime
    establishment: EstablishmentInfo
    audience: Audience

    @property
    def slot(self) -> Slot:
        """When it is."""
        return Slot(starts_at=self.starts_at, duration_minutes=self.duration_minutes)

    def intervention_fields(self) -> dict[str, Any]:
        """These fields (not the id), as keyword arguments of another appointment or
        call for the same intervention."""
        return {name: getattr(self, name) for name in Intervention.model_fields if name != "id"}


class Appointment(Intervention):
    """A solicitation and what became of it."""

    status: Status
    kind: Kind
    topic: str
    expectations: str | None = None
    equipment: str | None = None
    team_member_present: bool
    message: str | None = None
    wished_sector: str | None = None
    ambassador: AmbassadorSnapshot
    requester: RequesterSnapshot
    # Flattened copies of the parties' ids: what the lists and indexes filter on.
    ambassador_id: str
    requester_id: str
    created_at: datetime
    updated_at: datetime
    answer: Answer | None = None
    alternative_slots: list[Slot] = []
    taken_alternative: int | None = None
    taken_as: str | None = None
    taken_from: str | None = None
    cancellation: Cancellation | None = None
    feedback: dict[str, Feedback] = {}
    # The iCalendar identity and the SEQUENCE of the last invitation sent.
    calendar: CalendarStamp | None = None
    reminded_at: datetime | None = None
    escalated_at: datetime | None = None
    finished_at: datetime | None = None  # expired or completed by the scheduler
    # When the scheduler has something to do with it next (None: nothing ever).
    due_at: datetime | None = None
    anonymised: list[Side] = []
    # Who the zone's referents were offered instead, when it was escalated.
    suggestions: list[Suggestion] = []
    # A referent sent the same brief to another ambassador: the two ends of that link.
    redirected_from: str | None = None
    redirected_to: str | None = None
    # Set when the ambassador took a place at an open call for an event.
    call_id: str | None = None

    def document(self) -> dict[str, Any]:
        """The document to store.

        The ambassadors suggested at escalation are kept only while the solicitation
        waits: once answered or closed they are of no use, and names kept for nothing
        would have to be found again to be erased.
        """
        document = super().document()
        if self.status != "pending":
            document["suggestions"] = []
        return document

    def side_of(self, user_id: str) -> Side | None:
        """Which party ``user_id`` is, if any."""
        if user_id == self.ambassador_id:
            return "ambassador"
        if user_id == self.requester_id:
            return "requester"
        return None


class PersonCopy(Stored):
    """Agenda's copy of a person, named in agenda by their public display name only."""

    first_name: str
    last_initial: str

    @property
    def display_name(self) -> str:
        """« Prénom N. »."""
        return display_name(self.first_name, self.last_initial)


class AmbassadorCopy(PersonCopy):
    """Agenda's copy of an ambassador's public fields (from accounts' events)."""

    revision: int
    # Empty once the ambassador is deleted: the copy keeps no name.
    first_name: str = ""
    last_initial: str = ""
    profile: str | None = None
    job_title: str | None = None
    sector: str | None = None
    organization_id: str | None = None
    interventions: list[str] = []
    zone_departments: list[str] = []
    zone_bassins: list[str] = []
    solicitable: bool = False
    not_solicitable_reason: str | None = None
    pause_from: datetime | None = None
    pause_to: datetime | None = None
    max_solicitations_per_month: int | None = None
    deleted: bool = False
    # When agenda first saw the ambassador solicitable, and when they were first
    # solicited: the referents' list of newcomers nobody has asked yet.
    solicitable_since: datetime | None = None
    first_solicited_at: datetime | None = None


class StaffCopy(PersonCopy):
    """Agenda's copy of an educational-team member and their establishment."""

    as_of: datetime
    establishment: EstablishmentInfo


class ReferentCopy(PersonCopy):
    """Agenda's copy of a referent and their territory."""

    as_of: datetime
    departments: list[str] = []
    bassins: list[str] = []
    active: bool = True


class OrganizationCopy(Stored):
    """Agenda's copy of a partner organization and its conventions (from accounts)."""

    as_of: datetime
    name: str
    siret: str | None = None
    kind: str | None = None
    partnership_charter_signed_at: datetime | None = None
    # The convention's figures as accounts publishes them.
    sponsorship: Sponsorship | None = None


def display_name(first_name: str, last_initial: str) -> str:
    """The public name shown to the other party: « Prénom N. »."""
    initial = last_initial.strip().rstrip(".")
    return f"{first_name} {initial}." if initial else first_name
