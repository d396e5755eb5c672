"""Open calls for events: a forum, a salon, portes ouvertes, with a number of places.

An educational team (for its establishment) or a referent (in their territory)
publishes the call; the zone's ambassadors who take part in events (and work in a
wanted sector, when sectors are given) are invited; the first ones to accept take the
places. The organiser's side (or a referent of the territory) may close the call
before the event: no one takes a place any more, those who took one keep it.
Each place taken is an appointment of kind ``event``, already accepted, so
it shows in the ambassador's agenda and calendar and counts once held.
Pure rules here; the atomic taking of a place is in ``services.agenda.calls``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from services.agenda import errors
from services.agenda.domain.access import in_territory
from services.agenda.domain.model import (
    AmbassadorCopy,
    Intervention,
    RequesterSnapshot,
    Slot,
)
from services.agenda.domain.rules import is_paused
from services.agenda.domain.territory import Area, Place, covers
from shared.http import Principal

EventType = Literal["forum", "salon", "portes_ouvertes"]
CallStatus = Literal["open", "full", "closed", "cancelled"]

EVENT_TYPE_LABELS: dict[str, str] = {
    "forum": "forum des métiers",
    "salon": "salon",
    "portes_ouvertes": "portes ouvertes",
}


class Attendee(BaseModel):
    """An ambassador who took a place (public name only)."""

    ambassador_id: str
    name: str
    appointment_id: str
    accepted_at: datetime


class OpenCall(Intervention):
    """A call for ambassadors to come to an event."""

    status: CallStatus
    title: str
    event_type: EventType
    description: str | None = None
    places: int
    wanted_sectors: list[str] = []
    organiser: RequesterSnapshot
    organiser_id: str
    invited: list[str] = []
    attendees: list[Attendee] = []
    taken: int = 0
    created_at: datetime
    updated_at: datetime
    filled_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def place(self) -> Place:
        """Where the event is."""
        return Place(self.establishment.department, self.establishment.bassin)

    @property
    def places_left(self) -> int:
        """How many places are still free (never below zero, whatever the count says)."""
        return max(0, self.places - self.taken)

    def announcement(self) -> dict[str, Any]:
        """What the call says of its event and places, under the names its view and the
        facts of its emails both use, as keyword arguments of either."""
        return {
            "title": self.title,
            "event_type": self.event_type,
            "description": self.description,
            "places": self.places,
            "places_left": self.places_left,
            "wanted_sectors": self.wanted_sectors,
        }

    def attendee(self, ambassador_id: str) -> Attendee | None:
        """The ambassador's place, if they took one."""
        return next((a for a in self.attendees if a.ambassador_id == ambassador_id), None)


def is_invitable(
    ambassador: AmbassadorCopy,
    *,
    place: Place,
    slot: Slot,
    wanted_sectors: list[str],
    now: datetime,
) -> bool:
    """Whether the call goes to this ambassador.

    Solicitable (a suspended, restricted or unverified ambassador is not), takes part
    in events, their zone covers the place, works in a wanted sector when sectors are
    given, and is not on a pause at that time.
    """
    if ambassador.deleted or not ambassador.solicitable:
        return False
    if "event" not in ambassador.interventions:
        return False
    if not covers(Area.of(ambassador.zone_departments, ambassador.zone_bassins), place):
        return False
    if wanted_sectors and ambassador.sector not in wanted_sectors:
        return False
    return not is_paused(ambassador, slot, now)


def acceptance_refusal(call: OpenCall, ambassador_id: str, now: datetime) -> Exception | None:
    """Why this ambassador cannot take a place now, if they cannot."""
    if call.status in ("closed", "cancelled"):
        return errors.CALL_CLOSED.error()
    if call.starts_at <= now:
        return errors.CALL_STARTED.error()
    if call.attendee(ambassador_id) is not None:
        return errors.ALREADY_ATTENDING.error()
    if call.taken >= call.places:
        return errors.CALL_FULL.error()
    return None


def closing_refusal(principal: Principal, call: OpenCall, now: datetime) -> Exception | None:
    """Why the caller cannot close the call now, if they cannot.

    Those who see who comes (the organiser's side, the territory's referents, the
    administrators) may close it, while it takes places or is full and before it starts.
    """
    if not sees_attendees(principal, call):
        return errors.CALL_NOT_FOUND.error()
    if call.status in ("closed", "cancelled"):
        return errors.CALL_CLOSED.error()
    if call.starts_at <= now:
        return errors.CALL_STARTED.error()
    return None


def can_see_call(principal: Principal, call: OpenCall) -> bool:
    """Whether the caller may read the call (others get 404, as if it did not exist)."""
    if principal.role == "ambassador":
        return principal.user_id in call.invited or call.attendee(principal.user_id) is not None
    return sees_attendees(principal, call)


def sees_attendees(principal: Principal, call: OpenCall) -> bool:
    """Whether the caller sees who comes: the organiser's side and the zone's referents."""
    if principal.role == "admin" or principal.user_id == call.organiser_id:
        return True
    if principal.role == "staff":
        uai = call.establishment.uai
        return uai is not None and uai == principal.establishment_uai
    if principal.role == "referent":
        return in_territory(principal, call.place)
    return False
