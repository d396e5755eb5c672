"""Use cases that create an appointment: a solicitation, a solicitation a referent
redirects to another ambassador, and a slot taken from a refusal."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda import errors
from services.agenda.announce import announce, facts
from services.agenda.appointments import cancel_in_session
from services.agenda.context import Agenda
from services.agenda.domain.access import can_see, in_territory
from services.agenda.domain.calendar import calendar_uid
from services.agenda.domain.model import (
    AmbassadorCopy,
    AmbassadorSnapshot,
    Answer,
    Appointment,
    Audience,
    EstablishmentInfo,
    RequesterSnapshot,
    Slot,
)
from services.agenda.domain.rules import (
    ambassador_refusal,
    month_of,
    solicitation_refusal,
    status_conflict,
)
from services.agenda.domain.schedule import next_due
from services.agenda.domain.territory import Place, place_of
from services.agenda.shapes.appointments import EstablishmentIn, NewSolicitation
from services.agenda.shapes.calls import NewCall
from shared.contracts.agenda import AppointmentAccepted, CalendarStamp, SolicitationCreated
from shared.http import Principal

# Shown when agenda has not yet received the person's public profile from accounts.
STAFF_FALLBACK_NAME = "Équipe éducative"
REFERENT_FALLBACK_NAME = "Référent territorial"


def _establishment(given: EstablishmentIn, uai: str | None) -> EstablishmentInfo:
    place = place_of(given.postcode, given.city)
    return EstablishmentInfo(
        uai=uai,
        name=given.name,
        city=given.city,
        postcode=given.postcode,
        department=place.department,
        bassin=place.bassin,
    )


def _own_establishment(principal: Principal, given: EstablishmentIn) -> EstablishmentInfo:
    """A staff member's establishment before agenda has heard of them: its name as sent,
    its place as their token says (accounts took it from the reference data)."""
    establishment = _establishment(given, principal.establishment_uai)
    if principal.establishment_department is None:
        return establishment.model_copy(update={"bassin": None})  # an older token: no word taken
    return establishment.model_copy(
        update={
            "department": principal.establishment_department,
            "bassin": principal.establishment_bassin,
        }
    )


async def requester_of(
    agenda: Agenda, principal: Principal, given: EstablishmentIn | None
) -> tuple[RequesterSnapshot, EstablishmentInfo]:
    """Who asks, and for which establishment (staff: their own; referent: in territory).

    Also who organises an open call for an event, and where.
    """
    store = agenda.store
    if principal.role == "staff":
        uai = principal.establishment_uai
        if given is not None and given.uai is not None and given.uai != uai:
            raise errors.ESTABLISHMENT_NOT_YOURS.error()
        staff = await store.staff_member(principal.user_id)
        if staff is not None and staff.establishment.uai == uai:
            # accounts' copy is the reference for the establishment's name and place.
            return (
                RequesterSnapshot(id=principal.user_id, name=staff.display_name, role="staff"),
                staff.establishment,
            )
        if given is None:
            raise errors.ESTABLISHMENT_REQUIRED.error()
        return (
            RequesterSnapshot(id=principal.user_id, name=STAFF_FALLBACK_NAME, role="staff"),
            _own_establishment(principal, given),
        )
    if given is None:
        raise errors.ESTABLISHMENT_REQUIRED.error()
    establishment = _establishment(given, given.uai)
    if not in_territory(principal, Place(establishment.department, establishment.bassin)):
        raise errors.OUTSIDE_TERRITORY.error()
    referent = await store.referent(principal.user_id)
    name = referent.display_name if referent is not None else REFERENT_FALLBACK_NAME
    return RequesterSnapshot(id=principal.user_id, name=name, role="referent"), establishment


def new_intervention(
    request: NewSolicitation | NewCall, slot: Slot, establishment: EstablishmentInfo
) -> dict[str, Any]:
    """The fields of ``Intervention`` a new solicitation or open call takes from its
    request, as keyword arguments of either."""
    return {
        "format": request.format,
        "online_url": str(request.online_url) if request.format == "online" else None,
        "starts_at": slot.starts_at,
        "duration_minutes": slot.duration_minutes,
        "ends_at": slot.ends_at,
        "establishment": establishment,
        "audience": Audience(level=request.audience.level, group_size=request.audience.group_size),
    }


def snapshot(ambassador: AmbassadorCopy) -> AmbassadorSnapshot:
    """The ambassador's public fields an appointment keeps: the copy's, by name."""
    return AmbassadorSnapshot(
        **ambassador.model_dump(include=set(AmbassadorSnapshot.model_fields)),
        name=ambassador.display_name,
    )


async def _bookable(
    agenda: Agenda,
    session: AsyncClientSession,
    ambassador_id: str,
    *,
    kind: str,
    slot: Slot,
    place: Place,
) -> AmbassadorCopy:
    """The ambassador, if every rule of a new solicitation allows it; 422 otherwise."""
    store = agenda.store
    ambassador = await store.ambassador(ambassador_id, session)
    held = 0
    if ambassador is not None and ambassador.max_solicitations_per_month is not None:
        first, following = month_of(slot.starts_at)
        held = await store.held_between(ambassador.id, first, following, session)
    refusal = solicitation_refusal(
        ambassador, kind=kind, slot=slot, place=place, now=agenda.now(), held_that_month=held
    )
    if refusal is not None or ambassador is None:
        raise (refusal or errors.AMBASSADOR_NOT_FOUND).error()
    if ambassador.max_solicitations_per_month is not None:
        # Concurrent solicitations of one ambassador conflict here: the monthly
        # maximum is counted again by the one retried.
        await store.lock_ambassador(ambassador.id, session)
    return ambassador


async def _send(
    agenda: Agenda,
    session: AsyncClientSession,
    appointment: Appointment,
    ambassador: AmbassadorCopy,
    *,
    redirected_from: str | None = None,
) -> None:
    """Store a new solicitation with its event and the ambassador's feed line.

    The ambassador's first solicitation is remembered on their copy, in the same
    transaction (the referents' list of newcomers nobody has solicited yet).
    """
    appointment.due_at = next_due(appointment, agenda.delays)
    await agenda.store.insert(appointment, session)
    if ambassador.first_solicited_at is None:
        await agenda.store.mark_solicited(ambassador.id, appointment.created_at, session)
    event = SolicitationCreated(
        appointment=facts(appointment),
        message=appointment.message,
        requester_role=appointment.requester.role,
        redirected_from=redirected_from,
    )
    await announce(
        agenda, session, appointment, event, [(appointment.ambassador_id, "solicitation_received")]
    )


async def solicit(agenda: Agenda, principal: Principal, request: NewSolicitation) -> Appointment:
    """Send a solicitation to an ambassador; 422 with the first rule it breaks."""
    requester, establishment = await requester_of(agenda, principal, request.establishment)
    if request.format == "online" and request.online_url is None:
        raise errors.ONLINE_URL_REQUIRED.error()
    if not request.team_member_present:
        raise errors.TEAM_MEMBER_REQUIRED.error()
    slot = Slot(
        starts_at=request.starts_at.astimezone(UTC), duration_minutes=request.duration_minutes
    )
    place = Place(establishment.department, establishment.bassin)

    async def work(session: AsyncClientSession) -> Appointment:
        ambassador = await _bookable(
            agenda, session, request.ambassador_id, kind=request.kind, slot=slot, place=place
        )
        now = agenda.now()
        appointment = Appointment(
            id=agenda.new_id(),
            status="pending",
            kind=request.kind,
            **new_intervention(request, slot, establishment),
            topic=request.topic,
            expectations=request.expectations or None,
            equipment=request.equipment or None,
            team_member_present=request.team_member_present,
            message=request.message or None,
            wished_sector=request.sector or None,
            ambassador=snapshot(ambassador),
            requester=requester,
            ambassador_id=ambassador.id,
            requester_id=requester.id,
            created_at=now,
            updated_at=now,
        )
        await _send(agenda, session, appointment, ambassador)
        return appointment

    appointment = await agenda.ctx.transaction(work)
    agenda.due(appointment.due_at)
    return appointment


# The visit brief and who asked: what an appointment made from another one keeps,
# whether a referent redirects it or the requester takes an alternative slot.
BRIEF_FIELDS: set[str] = {
    "kind",
    "format",
    "online_url",
    "establishment",
    "audience",
    "topic",
    "expectations",
    "equipment",
    "team_member_present",
    "wished_sector",
    "requester",
    "requester_id",
}
# The slot: a redirected solicitation keeps it, a taken alternative brings its own.
SLOT_FIELDS: set[str] = {"starts_at", "duration_minutes", "ends_at"}
REDIRECT_REASON = (
    "Sollicitation restée sans réponse : le référent territorial l'a adressée à un autre "
    "ambassadeur."
)


async def redirect(
    agenda: Agenda,
    principal: Principal,
    appointment_id: str,
    ambassador_id: str,
    message: str | None,
) -> Appointment:
    """A referent sends a pending solicitation's brief to another ambassador.

    In one transaction: a new solicitation, from the same requester, goes to the
    other ambassador under every rule of a solicitation; the first one is cancelled
    (its ambassador is told) and linked to the new one; the requester is told.
    """
    store = agenda.store

    async def work(session: AsyncClientSession) -> Appointment:
        original = await store.appointment(appointment_id, session)
        if original is None or not can_see(principal, original):
            raise errors.APPOINTMENT_NOT_FOUND.error()
        if original.status != "pending":
            raise status_conflict(errors.NOT_PENDING, original.status)
        if original.starts_at <= agenda.now():
            raise status_conflict(errors.NOT_PENDING, "expired")
        if ambassador_id == original.ambassador_id:
            raise errors.SAME_AMBASSADOR.error()
        ambassador = await _bookable(
            agenda,
            session,
            ambassador_id,
            kind=original.kind,
            slot=original.slot,
            place=Place(original.establishment.department, original.establishment.bassin),
        )
        now = agenda.now()
        new = Appointment(
            **original.model_dump(include=BRIEF_FIELDS | SLOT_FIELDS),
            id=agenda.new_id(),
            status="pending",
            message=message or original.message,
            ambassador=snapshot(ambassador),
            ambassador_id=ambassador.id,
            created_at=now,
            updated_at=now,
            redirected_from=original.id,
        )
        original.redirected_to = new.id
        await cancel_in_session(
            agenda,
            original,
            by="referent" if principal.role == "referent" else "system",
            by_user_id=principal.user_id,
            reason=REDIRECT_REASON,
            session=session,
            not_told=[original.requester_id],
        )
        await _send(agenda, session, new, ambassador, redirected_from=original.id)
        await announce(agenda, session, new, None, [(new.requester_id, "solicitation_redirected")])
        return new

    appointment = await agenda.ctx.transaction(work)
    agenda.due(appointment.due_at)
    return appointment


async def take_alternative(
    agenda: Agenda, principal: Principal, appointment_id: str, index: int
) -> Appointment:
    """The requester takes slot ``index`` of a refusal: a new appointment, already accepted."""
    store = agenda.store

    async def work(session: AsyncClientSession) -> Appointment:
        now = agenda.now()
        refused = await store.appointment(appointment_id, session)
        if refused is None or not can_see(principal, refused):
            raise errors.APPOINTMENT_NOT_FOUND.error()
        if principal.user_id != refused.requester_id:
            raise errors.NOT_THE_REQUESTER.error()
        if refused.status != "refused":
            raise status_conflict(errors.NOT_REFUSED, refused.status)
        if not 0 <= index < len(refused.alternative_slots):
            raise errors.ALTERNATIVE_NOT_FOUND.error()
        if refused.taken_alternative is not None:
            raise errors.ALTERNATIVE_ALREADY_TAKEN.error(taken_as=refused.taken_as)
        offer = refused.alternative_slots[index]
        if offer.starts_at <= now:
            raise errors.START_IN_PAST.error()
        # The ambassador offered the slot, so pause and monthly maximum do not apply;
        # being suspended or gone since does.
        refusal = ambassador_refusal(await store.ambassador(refused.ambassador_id, session))
        if refusal is not None:
            raise refusal.error()
        await store.lock_ambassador(refused.ambassador_id, session)
        if await store.overlapping(
            refused.ambassador_id, offer.starts_at, offer.ends_at, ["accepted"], session=session
        ):
            raise errors.OVERLAPPING_APPOINTMENT.error()
        new_id = agenda.new_id()
        taken = Appointment(
            **{
                # Same brief, same ambassador, a new slot: the message goes along.
                **refused.model_dump(
                    include=BRIEF_FIELDS | {"message", "ambassador", "ambassador_id"}
                ),
                "id": new_id,
                "status": "accepted",
                "starts_at": offer.starts_at,
                "duration_minutes": offer.duration_minutes,
                "ends_at": offer.ends_at,
                "created_at": now,
                "updated_at": now,
                "answer": Answer(message=None, at=now),
                "taken_from": refused.id,
                "calendar": CalendarStamp(uid=calendar_uid(new_id), sequence=0),
            }
        )
        taken.due_at = next_due(taken, agenda.delays)
        refused.taken_alternative = index
        refused.taken_as = new_id
        refused.updated_at = now
        if not await store.save(refused, "refused", session):
            raise errors.ALTERNATIVE_ALREADY_TAKEN.error()
        await store.insert(taken, session)
        assert taken.calendar is not None
        event = AppointmentAccepted(
            appointment=facts(taken), calendar=taken.calendar, taken_from=refused.id
        )
        await announce(agenda, session, taken, event, [(taken.ambassador_id, "alternative_taken")])
        return taken

    appointment = await agenda.ctx.transaction(work)
    agenda.due(appointment.due_at)
    return appointment
