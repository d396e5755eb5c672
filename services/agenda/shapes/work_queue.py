"""The referents' work queue: what waits, and what the referent can do about each item."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from services.agenda.domain.model import AmbassadorCopy, Appointment
from services.agenda.shapes.appointments import AmbassadorView, EstablishmentView, RequesterView
from services.agenda.shapes.fields import ParisTime
from shared.contracts.agenda import Kind
from shared.french import PARIS

T = TypeVar("T")
AGENDA = "/api/agenda"
ACCOUNTS = "/api/accounts"


class Action(BaseModel):
    """Something the referent can do about an item, and the request that does it."""

    action: Literal["view", "redirect", "cancel", "solicit", "view_profile", "suspend"]
    method: Literal["GET", "POST"]
    href: str


class SuggestionView(BaseModel):
    """An ambassador suggested instead when the solicitation was escalated."""

    ambassador_id: str
    name: str
    job_title: str | None
    sector: str | None


class QueuedSolicitation(BaseModel):
    """A solicitation waiting for an answer."""

    appointment_id: str
    kind: Kind
    starts_at: ParisTime
    establishment: EstablishmentView
    ambassador: AmbassadorView
    requester: RequesterView
    created_at: ParisTime
    age_days: int = Field(description="Jours écoulés depuis la sollicitation.")
    age_hours: int = Field(description="Heures écoulées depuis la sollicitation.")
    reminders_sent: int = Field(description="Relances envoyées à l'ambassadeur.")
    reminded_at: ParisTime | None
    escalated_at: ParisTime | None
    suggestions: list[SuggestionView] = Field(
        description="Ambassadeurs proposés à la place lors du signalement au référent."
    )
    actions: list[Action]

    @classmethod
    def of(cls, appointment: Appointment, now: datetime) -> QueuedSolicitation:
        """The queue's view of a pending appointment."""
        a = appointment
        age = max(0, int((now - a.created_at).total_seconds()))
        base = f"{AGENDA}/appointments/{a.id}"
        return cls(
            appointment_id=a.id,
            kind=a.kind,
            starts_at=a.starts_at,
            establishment=EstablishmentView(**a.establishment.model_dump()),
            ambassador=AmbassadorView.of(a.ambassador),
            requester=RequesterView.of(a.requester),
            created_at=a.created_at,
            age_days=age // 86_400,
            age_hours=age // 3_600,
            reminders_sent=1 if a.reminded_at else 0,
            reminded_at=a.reminded_at,
            escalated_at=a.escalated_at,
            suggestions=[SuggestionView(**s.model_dump()) for s in a.suggestions],
            actions=[
                Action(action="view", method="GET", href=base),
                Action(action="redirect", method="POST", href=f"{base}/redirect"),
                Action(action="cancel", method="POST", href=f"{base}/cancel"),
            ],
        )


class ZoneView(BaseModel):
    """Where an ambassador goes."""

    departments: list[str]
    bassins: list[str]


class WorkQueueNewcomer(BaseModel):
    """An ambassador of the zone whom nobody has solicited yet."""

    ambassador_id: str
    name: str
    profile: str | None
    job_title: str | None
    sector: str | None
    interventions: list[str]
    zone: ZoneView
    solicitable_since: ParisTime
    waiting_days: int = Field(description="Jours depuis que l'ambassadeur peut être sollicité.")
    actions: list[Action]

    @classmethod
    def of(cls, ambassador: AmbassadorCopy, today: date) -> WorkQueueNewcomer:
        """The queue's view of an ambassador's copy."""
        since = ambassador.solicitable_since
        assert since is not None  # the query keeps only those with a date
        profile = f"{ACCOUNTS}/ambassadors/{ambassador.id}"
        return cls(
            ambassador_id=ambassador.id,
            name=ambassador.display_name,
            **ambassador.model_dump(include={"profile", "job_title", "sector", "interventions"}),
            zone=ZoneView(departments=ambassador.zone_departments, bassins=ambassador.zone_bassins),
            solicitable_since=since,
            waiting_days=max(0, (today - since.astimezone(PARIS).date()).days),
            actions=[
                Action(action="view_profile", method="GET", href=profile),
                Action(action="solicit", method="POST", href=f"{AGENDA}/solicitations"),
                Action(action="suspend", method="POST", href=f"{profile}/suspension"),
            ],
        )


class QueueSection(BaseModel, Generic[T]):
    """The first items of one list, how many there are in all, and the next page."""

    total: int
    items: list[T]
    next_cursor: str | None = Field(
        description="À passer en `cursor` à la liste détaillée pour la suite."
    )


class WorkQueue(BaseModel):
    """What waits for the referent (the region's, for an admin)."""

    pending: QueueSection[QueuedSolicitation]
    escalated: QueueSection[QueuedSolicitation]
    new_ambassadors: QueueSection[WorkQueueNewcomer]
