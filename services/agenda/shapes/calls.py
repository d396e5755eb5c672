"""Bodies, queries and answers of the open calls for events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, field_validator

from services.agenda.domain.calls import EventType, OpenCall
from services.agenda.domain.sectors import sector_names
from services.agenda.shapes.appointments import (
    AudienceIn,
    EstablishmentOrOwn,
    InterventionView,
    RequesterView,
)
from services.agenda.shapes.fields import Minutes, OnlineUrl, ParisTime, Text
from shared.contracts.agenda import Format
from shared.http import PageQuery, Principal, StrictBody

MAX_PLACES = 500
MAX_WANTED_SECTORS = 20


class NewCall(StrictBody):
    """An event looking for ambassadors."""

    title: Annotated[Text, StringConstraints(max_length=200)] = Field(
        description="Nom de l'événement."
    )
    event_type: EventType = Field(description="forum, salon ou portes_ouvertes.")
    format: Format = "in_person"
    online_url: OnlineUrl = None
    starts_at: AwareDatetime
    duration_minutes: Minutes
    establishment: EstablishmentOrOwn = None
    audience: AudienceIn = Field(description="Public attendu : niveaux et nombre d'élèves.")
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    places: int = Field(ge=1, le=MAX_PLACES, description="Nombre d'ambassadeurs attendus.")
    wanted_sectors: list[str] = Field(
        default_factory=list,
        max_length=MAX_WANTED_SECTORS,
        description="Secteurs recherchés (vide : tous).",
    )

    @field_validator("wanted_sectors")
    @classmethod
    def _known_sectors(cls, value: list[str]) -> list[str]:
        unknown = [sector for sector in value if sector not in sector_names()]
        if unknown:
            raise ValueError(f"Secteur(s) inconnu(s) : {', '.join(unknown)}.")
        return list(dict.fromkeys(value))


class CallQuery(PageQuery):
    """Which calls to list."""

    when: Literal["upcoming", "past"] = Field(
        "upcoming", description="À venir (pas encore terminés) ou passés."
    )


class AttendeeView(BaseModel):
    """An ambassador who comes (public name only)."""

    ambassador_id: str
    name: str
    accepted_at: ParisTime


class CallView(InterventionView):
    """An open call, as the caller may see it."""

    id: str
    status: Literal["open", "full", "closed", "cancelled"] = Field(
        description="open : des places sont libres ; full : complet ; closed : clos par "
        "l'organisateur ou un référent ; cancelled : annulé."
    )
    title: str
    event_type: EventType
    description: str | None
    places: int
    places_left: int
    wanted_sectors: list[str]
    organiser: RequesterView
    attendees: list[AttendeeView] | None = Field(
        description="Qui vient : pour l'organisateur, son établissement, les référents du "
        "territoire et les administrateurs (null pour les autres)."
    )
    invited: int | None = Field(description="Ambassadeurs invités (organisateur et référents).")
    attending: bool = Field(description="L'appelant a une place.")
    appointment_id: str | None = Field(description="Le rendez-vous de l'appelant, s'il vient.")
    created_at: ParisTime
    filled_at: ParisTime | None
    closed_at: ParisTime | None = Field(None, description="Quand l'appel a été clos.")

    @classmethod
    def of(cls, call: OpenCall, principal: Principal, *, sees_attendees: bool) -> CallView:
        """The view of a stored call for ``principal``."""
        mine = call.attendee(principal.user_id)
        return cls(
            **cls.fields_of(call),
            **call.announcement(),
            id=call.id,
            status=call.status,
            organiser=RequesterView.of(call.organiser),
            attendees=[
                AttendeeView(ambassador_id=a.ambassador_id, name=a.name, accepted_at=a.accepted_at)
                for a in call.attendees
            ]
            if sees_attendees
            else None,
            invited=len(call.invited) if sees_attendees else None,
            attending=mine is not None,
            appointment_id=mine.appointment_id if mine else None,
            created_at=call.created_at,
            filled_at=call.filled_at,
            closed_at=call.closed_at,
        )
