"""Use cases of the open calls for events: publish, list, read, take a place, close.

Taking a place is one conditional update of the call (``AgendaStore.take_place``):
places are never overfilled, however many ambassadors accept at once. The place
becomes an appointment of kind ``event``, already accepted. The acceptance that
takes the last place closes the call and tells the other invitees it is full.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda import errors
from services.agenda.announce import intervention_facts
from services.agenda.context import Agenda
from services.agenda.domain.calendar import calendar_uid
from services.agenda.domain.calls import (
    Attendee,
    OpenCall,
    acceptance_refusal,
    can_see_call,
    closing_refusal,
    is_invitable,
    sees_attendees,
)
from services.agenda.domain.labels import CallNotificationKind, call_notification_text
from services.agenda.domain.model import Answer, Appointment, Slot
from services.agenda.domain.rules import ambassador_refusal, slot_refusal
from services.agenda.domain.schedule import next_due
from services.agenda.shapes.calls import CallQuery, CallView, NewCall
from services.agenda.solicitations import new_intervention, requester_of, snapshot
from services.agenda.store.feed import new_line
from shared.contracts.agenda import CalendarStamp, CallFacts, CallFilled, CallPublished
from shared.http import Page, Principal


def call_facts(call: OpenCall) -> CallFacts:
    """What every email about the call shows."""
    return CallFacts(
        **intervention_facts(call),
        **call.announcement(),
        call_id=call.id,
        organiser_id=call.organiser_id,
        organiser_name=call.organiser.name,
    )


async def _tell(
    agenda: Agenda,
    session: AsyncClientSession,
    call: OpenCall,
    kind: CallNotificationKind,
    user_ids: Iterable[str],
    *,
    attendee: Attendee | None = None,
) -> None:
    """A line in each user's notification feed about ``call``.

    A line naming an attendee remembers who (``about_user_id``): if they delete
    their account, the line is rewritten without their name.
    """
    now = agenda.now()
    text = call_notification_text(
        kind,
        title=call.title,
        starts_at=call.starts_at,
        establishment=call.establishment.name,
        city=call.establishment.city,
        places_left=call.places_left,
        places=call.places,
        attendee=attendee.name if attendee else None,
    )
    lines = [
        new_line(
            agenda.new_id(),
            user_id,
            kind,
            text,
            now,
            appointment_id=None,
            call_id=call.id,
            about_user_id=attendee.ambassador_id if attendee else None,
        )
        for user_id in user_ids
    ]
    await agenda.store.feed.add(lines, session)


async def publish(agenda: Agenda, principal: Principal, request: NewCall) -> OpenCall:
    """Publish a call; the zone's matching ambassadors are invited (event and feed)."""
    organiser, establishment = await requester_of(agenda, principal, request.establishment)
    if request.format == "online" and request.online_url is None:
        raise errors.ONLINE_URL_REQUIRED.error()
    slot = Slot(
        starts_at=request.starts_at.astimezone(UTC), duration_minutes=request.duration_minutes
    )
    now = agenda.now()
    refusal = slot_refusal("event", slot, now)
    if refusal is not None:
        raise refusal.error()
    call = OpenCall(
        id=agenda.new_id(),
        status="open",
        title=request.title,
        event_type=request.event_type,
        **new_intervention(request, slot, establishment),
        description=request.description or None,
        places=request.places,
        wanted_sectors=request.wanted_sectors,
        organiser=organiser,
        organiser_id=organiser.id,
        created_at=now,
        updated_at=now,
    )
    candidates = await agenda.store.invitable(place=call.place, sectors=call.wanted_sectors)
    call.invited = [
        c.id
        for c in candidates
        if is_invitable(
            c, place=call.place, slot=call.slot, wanted_sectors=call.wanted_sectors, now=now
        )
    ]

    async def work(session: AsyncClientSession) -> OpenCall:
        await agenda.store.insert_call(call, session)
        event = CallPublished(call=call_facts(call), recipient_ids=call.invited)
        await agenda.ctx.outbox.add(event, session, correlation_id=call.id)
        await _tell(agenda, session, call, "call_published", call.invited)
        return call

    return await agenda.ctx.transaction(work)


async def visible_call(agenda: Agenda, principal: Principal, call_id: str) -> OpenCall:
    """The call if the caller may see it; 404 otherwise (even if it exists)."""
    call = await agenda.store.call(call_id)
    if call is None or not can_see_call(principal, call):
        raise errors.CALL_NOT_FOUND.error()
    return call


def view(call: OpenCall, principal: Principal) -> CallView:
    """The call as the caller may see it."""
    return CallView.of(call, principal, sees_attendees=sees_attendees(principal, call))


async def calls(agenda: Agenda, principal: Principal, query: CallQuery) -> Page[CallView]:
    """One page of the calls the caller sees: upcoming (soonest first) or past (latest first)."""

    def load(call: OpenCall) -> CallView:
        return view(call, principal)

    return await agenda.store.calls_page(
        principal,
        upcoming=query.when == "upcoming",
        now=agenda.now(),
        page=query,
        load=load,
    )


async def accept(agenda: Agenda, principal: Principal, call_id: str) -> OpenCall:
    """An invited ambassador takes a place; 409 ``call_full`` once every place is taken."""
    store = agenda.store
    ambassador_id = principal.user_id

    async def work(session: AsyncClientSession) -> OpenCall:
        now = agenda.now()
        call = await store.call(call_id, session)
        if call is None or not can_see_call(principal, call):
            raise errors.CALL_NOT_FOUND.error()
        refused = acceptance_refusal(call, ambassador_id, now)
        if refused is not None:
            raise refused
        ambassador = await store.ambassador(ambassador_id, session)
        refusal = ambassador_refusal(ambassador)
        if refusal is not None or ambassador is None:
            raise (refusal or errors.AMBASSADOR_NOT_FOUND).error()
        await store.lock_ambassador(ambassador_id, session)
        clashes = await store.overlapping(
            ambassador_id, call.starts_at, call.ends_at, ["accepted"], session=session
        )
        if clashes:
            raise errors.OVERLAPPING_APPOINTMENT.error(appointment_ids=[a.id for a in clashes])
        appointment_id = agenda.new_id()
        attendee = Attendee(
            ambassador_id=ambassador_id,
            name=ambassador.display_name,
            appointment_id=appointment_id,
            accepted_at=now,
        )
        if not await store.take_place(call, attendee, session):
            # Taken meanwhile by others (or by the same ambassador twice at once).
            latest = await store.call(call_id, session)
            assert latest is not None
            raise acceptance_refusal(latest, ambassador_id, now) or errors.CALL_FULL.error()
        appointment = Appointment(
            id=appointment_id,
            status="accepted",
            kind="event",
            **call.intervention_fields(),
            topic=call.title,
            expectations=call.description,
            team_member_present=True,
            ambassador=snapshot(ambassador),
            requester=call.organiser,
            ambassador_id=ambassador_id,
            requester_id=call.organiser_id,
            created_at=now,
            updated_at=now,
            answer=Answer(message=None, at=now),
            calendar=CalendarStamp(uid=calendar_uid(appointment_id), sequence=0),
            call_id=call.id,
        )
        appointment.due_at = next_due(appointment, agenda.delays)
        await store.insert(appointment, session)
        taken = await store.call(call_id, session)
        assert taken is not None
        await _tell(
            agenda, session, taken, "call_place_taken", [taken.organiser_id], attendee=attendee
        )
        if taken.taken >= taken.places:
            taken = await _close_as_full(agenda, session, taken)
        return taken

    call = await agenda.ctx.transaction(work)
    agenda.due(call.ends_at)
    return call


async def _close_as_full(agenda: Agenda, session: AsyncClientSession, call: OpenCall) -> OpenCall:
    """The last place was just taken: the call closes, the other invitees are told."""
    now = agenda.now()
    await agenda.store.mark_full(call.id, now, session)
    call = call.model_copy(update={"status": "full", "filled_at": now, "updated_at": now})
    coming = {a.ambassador_id for a in call.attendees}
    others = [user_id for user_id in call.invited if user_id not in coming]
    await agenda.ctx.outbox.add(
        CallFilled(call=call_facts(call), recipient_ids=others), session, correlation_id=call.id
    )
    await _tell(agenda, session, call, "call_filled", others)
    return call


async def close(agenda: Agenda, principal: Principal, call_id: str) -> OpenCall:
    """Close a call before the event: no one takes a place any more, those who took one
    keep it, and the invitees still without a place read it in their feed."""

    async def work(session: AsyncClientSession) -> OpenCall:
        now = agenda.now()
        call = await agenda.store.call(call_id, session)
        if call is None:
            raise errors.CALL_NOT_FOUND.error()
        refused = closing_refusal(principal, call, now)
        if refused is not None:
            raise refused
        if not await agenda.store.close_call(call.id, now, session):
            raise errors.CALL_CLOSED.error()
        closed = call.model_copy(update={"status": "closed", "closed_at": now, "updated_at": now})
        if call.status == "open":
            coming = {a.ambassador_id for a in call.attendees}
            waiting = [user_id for user_id in call.invited if user_id not in coming]
            await _tell(agenda, session, closed, "call_closed", waiting)
        return closed

    return await agenda.ctx.transaction(work)
