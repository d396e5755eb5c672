"""Appointments: the solicitation a requester sends, the slots an ambassador offers, the
filters of the lists and the view of an appointment with what became of it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    StringConstraints,
    field_validator,
)

from services.agenda.domain.model import (
    AmbassadorSnapshot,
    Appointment,
    Intervention,
    RequesterRole,
    RequesterSnapshot,
    Status,
)
from services.agenda.shapes.fields import Minutes, OnlineUrl, ParisTime, Text, postcode
from shared.contracts.agenda import Format, Kind
from shared.http import PageQuery, StrictBody

# Requests ------------------------------------------------------------------------


class EstablishmentIn(StrictBody):
    """Where the intervention takes place."""

    uai: Annotated[str, StringConstraints(pattern=r"^\d{7}[A-Z]$")] | None = Field(
        None, description="Code UAI (7 chiffres et une lettre)."
    )
    name: Annotated[Text, StringConstraints(max_length=200)]
    city: Annotated[Text, StringConstraints(max_length=100)]
    postcode: Annotated[str, AfterValidator(postcode)]
    bassin: str | None = Field(
        None,
        description=(
            "Ignoré, accepté pour compatibilité : le bassin d'éducation (Nord) vient de la "
            "table de référence des communes, d'après le code postal et la commune."
        ),
    )


# Where a new solicitation or open call takes place.
EstablishmentOrOwn = Annotated[
    EstablishmentIn | None,
    Field(description="Obligatoire pour un référent ; un membre d'équipe : le sien."),
]


class AudienceIn(StrictBody):
    """Who the ambassador will meet."""

    level: Annotated[Text, StringConstraints(max_length=40)] = Field(
        description="Niveau : 4e, 3e, seconde, BTS…"
    )
    group_size: int = Field(ge=1, le=1000, description="Nombre d'élèves.")


class NewSolicitation(StrictBody):
    """A solicitation: the visit brief sent to the ambassador."""

    ambassador_id: Text
    kind: Kind
    format: Format = "in_person"
    online_url: OnlineUrl = None
    starts_at: AwareDatetime
    duration_minutes: Minutes
    establishment: EstablishmentOrOwn = None
    audience: AudienceIn
    topic: Annotated[Text, StringConstraints(max_length=300)] = Field(
        description="Thème et sujet de l'intervention."
    )
    expectations: Annotated[str, StringConstraints(max_length=2000)] | None = None
    equipment: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        None, description="Matériel disponible sur place."
    )
    team_member_present: bool = Field(
        description="Engagement qu'un membre de l'équipe éducative reste avec les élèves."
    )
    sector: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        None, description="Secteur souhaité (pour proposer d'autres ambassadeurs)."
    )
    message: Annotated[str, StringConstraints(max_length=2000)] | None = None


class SlotIn(StrictBody):
    """A slot the ambassador offers instead."""

    starts_at: AwareDatetime
    duration_minutes: Minutes


class AppointmentQuery(PageQuery):
    """Filters of the appointment lists."""

    when: Literal["upcoming", "past"] = Field(
        "upcoming", description="À venir (pas encore terminés) ou passés."
    )
    status: list[Status] | None = Field(
        None, description="Statuts à garder (séparés par des virgules, ou répétés)."
    )

    @field_validator("status", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [part for item in value for part in str(item).split(",") if part]
        return value


# Answers -------------------------------------------------------------------------


class EstablishmentView(BaseModel):
    """Where the intervention takes place."""

    uai: str | None
    name: str
    city: str
    postcode: str
    department: str
    bassin: str | None


class AudienceView(BaseModel):
    """Who the ambassador meets."""

    level: str
    group_size: int


class AmbassadorView(BaseModel):
    """The ambassador's public fields (never an email nor a phone)."""

    id: str | None
    name: str
    profile: str | None
    job_title: str | None
    sector: str | None

    @classmethod
    def of(cls, ambassador: AmbassadorSnapshot, *, anonymous: bool = False) -> AmbassadorView:
        """The view of an appointment's ambassador; no id once they are anonymised."""
        return cls(
            id=None if anonymous else ambassador.id,
            name=ambassador.name,
            profile=ambassador.profile,
            job_title=ambassador.job_title,
            sector=ambassador.sector,
        )


class RequesterView(BaseModel):
    """Who asked (never an email nor a phone)."""

    id: str | None
    name: str
    role: RequesterRole

    @classmethod
    def of(cls, requester: RequesterSnapshot, *, anonymous: bool = False) -> RequesterView:
        """The view of who asked (or organised); no id once they are anonymised."""
        return cls(id=None if anonymous else requester.id, name=requester.name, role=requester.role)


class SlotView(BaseModel):
    """An alternative slot and whether it was taken."""

    index: int
    starts_at: ParisTime
    ends_at: ParisTime
    duration_minutes: int
    taken: bool


class AnswerView(BaseModel):
    """The ambassador's answer."""

    message: str | None
    answered_at: ParisTime


class CancellationView(BaseModel):
    """Who cancelled, why, and whether it was late."""

    by: str
    reason: str | None
    late: bool
    cancelled_at: ParisTime


class FeedbackView(BaseModel):
    """One side's opinion."""

    rating: int
    comment: str | None
    given_at: ParisTime


class InterventionView(BaseModel):
    """How, when, where and before whom: what the views of an appointment and of an
    open call for an event both show."""

    format: Format
    online_url: str | None
    starts_at: ParisTime
    ends_at: ParisTime
    duration_minutes: int
    establishment: EstablishmentView
    audience: AudienceView

    @staticmethod
    def fields_of(intervention: Intervention) -> dict[str, Any]:
        """This view's fields from a stored intervention, as keyword arguments."""
        return {
            "format": intervention.format,
            "online_url": intervention.online_url,
            "starts_at": intervention.starts_at,
            "ends_at": intervention.ends_at,
            "duration_minutes": intervention.duration_minutes,
            "establishment": EstablishmentView(**intervention.establishment.model_dump()),
            "audience": AudienceView(**intervention.audience.model_dump()),
        }


# The fields of an appointment its view shows as they are stored, under the same names.
_SHOWN_AS_STORED = {
    "id",
    "status",
    "kind",
    "topic",
    "expectations",
    "equipment",
    "team_member_present",
    "message",
    "taken_from",
    "taken_as",
    "redirected_from",
    "redirected_to",
    "created_at",
    "updated_at",
}


class AppointmentView(InterventionView):
    """A solicitation and what became of it."""

    id: str
    status: Status
    kind: Kind
    topic: str
    expectations: str | None
    equipment: str | None
    team_member_present: bool
    message: str | None
    ambassador: AmbassadorView
    requester: RequesterView
    answer: AnswerView | None
    alternative_slots: list[SlotView]
    taken_from: str | None = Field(description="Sollicitation refusée dont ce créneau vient.")
    taken_as: str | None = Field(description="Rendez-vous créé avec un créneau proposé.")
    redirected_from: str | None = Field(
        None, description="Sollicitation signalée qu'un référent a adressée à cet ambassadeur."
    )
    redirected_to: str | None = Field(
        None,
        description="Sollicitation qui la remplace, adressée par un référent à un autre "
        "ambassadeur.",
    )
    cancellation: CancellationView | None
    feedback: dict[str, FeedbackView] = Field(
        description="Avis de « ambassador » et de « requester »."
    )
    created_at: ParisTime
    updated_at: ParisTime

    @classmethod
    def of(cls, appointment: Appointment) -> AppointmentView:
        """The view of a stored appointment."""
        a = appointment
        return cls(
            **cls.fields_of(a),
            **a.model_dump(include=_SHOWN_AS_STORED),
            ambassador=AmbassadorView.of(a.ambassador, anonymous="ambassador" in a.anonymised),
            requester=RequesterView.of(a.requester, anonymous="requester" in a.anonymised),
            answer=AnswerView(message=a.answer.message, answered_at=a.answer.at)
            if a.answer
            else None,
            alternative_slots=[
                SlotView(
                    index=index,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    duration_minutes=slot.duration_minutes,
                    taken=a.taken_alternative == index,
                )
                for index, slot in enumerate(a.alternative_slots)
            ],
            cancellation=CancellationView(
                by=a.cancellation.by,
                reason=a.cancellation.reason,
                late=a.cancellation.late,
                cancelled_at=a.cancellation.at,
            )
            if a.cancellation
            else None,
            feedback={
                side: FeedbackView(rating=f.rating, comment=f.comment, given_at=f.at)
                for side, f in a.feedback.items()
            },
        )
