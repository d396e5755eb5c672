"""Use cases that create an appointment: a solicitation, and a slot taken from a refusal."""

from __future__ import annotations

from datetime import UTC

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda import errors
from services.agenda.announce import announce, facts
from services.agenda.api.models import EstablishmentIn, NewSolicitation
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
    ends_at,
)
from services.agenda.domain.rules import (
    Slot,
    ambassador_refusal,
    month_of,
    solicitation_refusal,
    status_conflict,
)
from services.agenda.domain.schedule import next_due
from services.agenda.domain.territory import Place, place_of
from services.agenda.events import AppointmentAccepted, CalendarStamp, SolicitationCreated
from shared.http import Principal

# Shown when agenda has not yet received the person's public profile from accounts.
STAFF_FALLBACK_NAME = "Équipe éducative"
REFERENT_FALLBACK_NAME = "Référent territorial"


def _establishment(given: EstablishmentIn, uai: str | None) -> EstablishmentInfo:
    place = place_of(given.postcode, given.bassin)
    return EstablishmentInfo(
        uai=uai,
        name=given.name,
        city=given.city,
        postcode=given.postcode,
        department=place.department,
        bassin=place.bassin,
    )


async def _requester(
    agenda: Agenda, principal: Principal, given: EstablishmentIn | None
) -> tuple[RequesterSnapshot, EstablishmentInfo]:
    """Who asks, and for which establishment (staff: their own; referent: in territory)."""
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
            _establishment(given, uai),
        )
    if given is None:
        raise errors.ESTABLISHMENT_REQUIRED.error()
    establishment = _establishment(given, given.uai)
    if not in_territory(principal, Place(establishment.department, establishment.bassin)):
        raise errors.OUTSIDE_TERRITORY.error()
    referent = await store.referent(principal.user_id)
    name = referent.display_name if referent is not None else REFERENT_FALLBACK_NAME
    return RequesterSnapshot(id=principal.user_id, name=name, role="referent"), establishment


def _snapshot(ambassador: AmbassadorCopy) -> AmbassadorSnapshot:
    return AmbassadorSnapshot(
        id=ambassador.id,
        name=ambassador.display_name,
        profile=ambassador.profile,
        job_title=ambassador.job_title,
        sector=ambassador.sector,
        organization_id=ambassador.organization_id,
    )


async def solicit(agenda: Agenda, principal: Principal, request: NewSolicitation) -> Appointment:
    """Send a solicitation to an ambassador; 422 with the first rule it breaks."""
    requester, establishment = await _requester(agenda, principal, request.establishment)
    if request.format == "online" and request.online_url is None:
        raise errors.ONLINE_URL_REQUIRED.error()
    if not request.team_member_present:
        raise errors.TEAM_MEMBER_REQUIRED.error()
    slot = Slot(request.starts_at.astimezone(UTC), request.duration_minutes)
    place = Place(establishment.department, establishment.bassin)
    store = agenda.store

    async def work(session: AsyncClientSession) -> Appointment:
        now = agenda.now()
        ambassador = await store.ambassador(request.ambassador_id, session)
        held = 0
        if ambassador is not None and ambassador.max_solicitations_per_month is not None:
            first, following = month_of(slot.starts_at)
            held = await store.held_between(ambassador.id, first, following, session)
        refusal = solicitation_refusal(
            ambassador, kind=request.kind, slot=slot, place=place, now=now, held_that_month=held
        )
        if refusal is not None or ambassador is None:
            raise (refusal or errors.AMBASSADOR_NOT_FOUND).error()
        if ambassador.max_solicitations_per_month is not None:
            # Concurrent solicitations of one ambassador conflict here: the monthly
            # maximum is counted again by the one retried.
            await store.lock_ambassador(ambassador.id, session)
        appointment = Appointment(
            id=agenda.new_id(),
            status="pending",
            kind=request.kind,
            format=request.format,
            online_url=str(request.online_url) if request.format == "online" else None,
            starts_at=slot.starts_at,
            duration_minutes=slot.duration_minutes,
            ends_at=slot.ends_at,
            establishment=establishment,
            audience=Audience(level=request.audience.level, group_size=request.audience.group_size),
            topic=request.topic,
            expectations=request.expectations or None,
            equipment=request.equipment or None,
            team_member_present=request.team_member_present,
            message=request.message or None,
            wished_sector=request.sector or None,
            ambassador=_snapshot(ambassador),
            requester=requester,
            ambassador_id=ambassador.id,
            requester_id=requester.id,
            created_at=now,
            updated_at=now,
        )
        appointment.due_at = next_due(appointment, agenda.delays)
        await store.insert(appointment, session)
        event = SolicitationCreated(
            appointment=facts(appointment),
            message=appointment.message,
            requester_role=requester.role,
        )
        await announce(
            agenda, session, appointment, event, [(ambassador.id, "solicitation_received")]
        )
        return appointment

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
        end = ends_at(offer.starts_at, offer.duration_minutes)
        if await store.overlapping(
            refused.ambassador_id, offer.starts_at, end, ["accepted"], session=session
        ):
            raise errors.OVERLAPPING_APPOINTMENT.error()
        new_id = agenda.new_id()
        taken = Appointment(
            **{
                **refused.model_dump(
                    include={
                        "kind",
                        "format",
                        "online_url",
                        "establishment",
                        "audience",
                        "topic",
                        "expectations",
                        "equipment",
                        "team_member_present",
                        "message",
                        "wished_sector",
                        "ambassador",
                        "requester",
                        "ambassador_id",
                        "requester_id",
                    }
                ),
                "id": new_id,
                "status": "accepted",
                "starts_at": offer.starts_at,
                "duration_minutes": offer.duration_minutes,
                "ends_at": end,
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
