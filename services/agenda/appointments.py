"""Use cases on an existing appointment: read, accept, refuse, cancel, give feedback.

Each one reads the appointment inside its transaction, checks who may act and what
the status machine allows, then writes the new state with its event and feed lines.
A refused action raises before any write: nothing changes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda import errors
from services.agenda.announce import announce, facts
from services.agenda.context import Agenda
from services.agenda.domain.access import can_see
from services.agenda.domain.calendar import calendar_uid
from services.agenda.domain.labels import NotificationKind
from services.agenda.domain.model import (
    Answer,
    Appointment,
    Cancellation,
    CancelledBy,
    Feedback,
    Slot,
    Status,
)
from services.agenda.domain.rules import (
    ambassador_refusal,
    cancellation_refusal,
    feedback_refusal,
    is_late_cancellation,
    slot_refusal,
    status_conflict,
)
from services.agenda.domain.schedule import next_due
from services.agenda.shapes.appointments import SlotIn
from shared.contracts.agenda import (
    AppointmentAccepted,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentRefused,
    CalendarStamp,
)
from shared.contracts.agenda import Slot as EventSlot
from shared.http import Principal


async def visible(
    agenda: Agenda,
    principal: Principal,
    appointment_id: str,
    session: AsyncClientSession | None = None,
) -> Appointment:
    """The appointment if the caller may see it; 404 otherwise (even if it exists)."""
    appointment = await agenda.store.appointment(appointment_id, session)
    if appointment is None or not can_see(principal, appointment):
        raise errors.APPOINTMENT_NOT_FOUND.error()
    return appointment


async def _save(
    agenda: Agenda, appointment: Appointment, was: Status, session: AsyncClientSession
) -> None:
    appointment.due_at = next_due(appointment, agenda.delays)
    if not await agenda.store.save(appointment, was, session):
        # Changed by someone else since this transaction read it.
        raise errors.CHANGED_MEANWHILE.error()


async def _awaiting_answer(
    agenda: Agenda, principal: Principal, appointment_id: str, session: AsyncClientSession
) -> Appointment:
    appointment = await visible(agenda, principal, appointment_id, session)
    if principal.user_id != appointment.ambassador_id:
        raise errors.NOT_THE_AMBASSADOR.error()
    if appointment.status != "pending":
        raise status_conflict(errors.NOT_PENDING, appointment.status)
    if appointment.starts_at <= agenda.now():
        # The scheduler has not marked it yet, but its start has passed: it expired.
        raise status_conflict(errors.NOT_PENDING, "expired")
    return appointment


async def accept(
    agenda: Agenda, principal: Principal, appointment_id: str, message: str | None
) -> Appointment:
    """The ambassador accepts; 409 if it overlaps another accepted appointment."""
    store = agenda.store

    async def work(session: AsyncClientSession) -> Appointment:
        appointment = await _awaiting_answer(agenda, principal, appointment_id, session)
        refusal = ambassador_refusal(await store.ambassador(appointment.ambassador_id, session))
        if refusal is not None:
            raise refusal.error()
        await store.lock_ambassador(appointment.ambassador_id, session)
        clashes = await store.overlapping(
            appointment.ambassador_id,
            appointment.starts_at,
            appointment.ends_at,
            ["accepted"],
            exclude=appointment.id,
            session=session,
        )
        if clashes:
            raise errors.OVERLAPPING_APPOINTMENT.error(appointment_ids=[a.id for a in clashes])
        now = agenda.now()
        appointment.status = "accepted"
        appointment.answer = Answer(message=message or None, at=now)
        appointment.calendar = CalendarStamp(uid=calendar_uid(appointment.id), sequence=0)
        appointment.updated_at = now
        await _save(agenda, appointment, "pending", session)
        event = AppointmentAccepted(
            appointment=facts(appointment), message=message or None, calendar=appointment.calendar
        )
        await announce(
            agenda,
            session,
            appointment,
            event,
            [(appointment.requester_id, "appointment_accepted")],
        )
        return appointment

    appointment = await agenda.ctx.transaction(work)
    agenda.due(appointment.due_at)
    return appointment


async def refuse(
    agenda: Agenda,
    principal: Principal,
    appointment_id: str,
    message: str | None,
    slots: Sequence[SlotIn],
) -> Appointment:
    """The ambassador declines, with a personal message and up to three other slots."""

    async def work(session: AsyncClientSession) -> Appointment:
        appointment = await _awaiting_answer(agenda, principal, appointment_id, session)
        now = agenda.now()
        offers = [
            Slot(starts_at=s.starts_at.astimezone(UTC), duration_minutes=s.duration_minutes)
            for s in slots
        ]
        for index, offer in enumerate(offers):
            refusal = slot_refusal(appointment.kind, offer, now)
            if refusal is not None:
                raise refusal.error(f"Créneau {index + 1} : {refusal.message}", slot=index)
        appointment.status = "refused"
        appointment.answer = Answer(message=message or None, at=now)
        appointment.alternative_slots = offers
        appointment.updated_at = now
        await _save(agenda, appointment, "pending", session)
        event = AppointmentRefused(
            appointment=facts(appointment),
            message=message or None,
            alternative_slots=[
                EventSlot(starts_at=o.starts_at, duration_minutes=o.duration_minutes)
                for o in offers
            ],
        )
        await announce(
            agenda, session, appointment, event, [(appointment.requester_id, "appointment_refused")]
        )
        return appointment

    return await agenda.ctx.transaction(work)


def _canceller(principal: Principal, appointment: Appointment) -> CancelledBy:
    side = appointment.side_of(principal.user_id)
    if side is not None:
        return side
    if principal.role == "referent":
        return "referent"
    if principal.role == "admin":
        return "system"
    raise errors.NOT_A_PARTY.error()


async def cancel_in_session(
    agenda: Agenda,
    appointment: Appointment,
    *,
    by: CancelledBy,
    by_user_id: str | None,
    reason: str | None,
    session: AsyncClientSession,
    gone: str | None = None,
    not_told: Collection[str] = (),
) -> Appointment:
    """Cancel ``appointment`` (already checked) and tell the parties who did not cancel.

    ``gone`` is a party who deleted their account: nobody to tell there. ``not_told``
    are parties told otherwise (a requester whose solicitation was redirected). A
    place taken at an open call is given back.
    """
    now = agenda.now()
    was = appointment.status
    sent = appointment.calendar if was == "accepted" else None
    appointment.status = "cancelled"
    appointment.cancellation = Cancellation(
        by=by,
        by_user_id=by_user_id,
        reason=reason,
        late=is_late_cancellation(appointment, now),
        at=now,
    )
    if sent is not None:
        # The notifier sends the CANCEL with the next SEQUENCE; remember it was sent.
        appointment.calendar = CalendarStamp(uid=sent.uid, sequence=sent.sequence + 1)
    appointment.updated_at = now
    await _save(agenda, appointment, was, session)
    event = AppointmentCancelled(
        appointment=facts(appointment),
        cancelled_by=by,
        reason=reason,
        late=appointment.cancellation.late,
        calendar=sent,
    )
    told: list[tuple[str, NotificationKind]] = [
        (user_id, "appointment_cancelled")
        for side, user_id in (
            ("ambassador", appointment.ambassador_id),
            ("requester", appointment.requester_id),
        )
        if side != by and user_id != gone and user_id not in not_told
    ]
    await announce(agenda, session, appointment, event, told)
    if appointment.call_id is not None:
        await agenda.store.release_place(
            appointment.call_id, appointment.ambassador_id, now, session
        )
    return appointment


async def cancel(
    agenda: Agenda, principal: Principal, appointment_id: str, reason: str
) -> Appointment:
    """Either party (or the zone's referent) cancels; under 48 hours it is late."""

    async def work(session: AsyncClientSession) -> Appointment:
        appointment = await visible(agenda, principal, appointment_id, session)
        by = _canceller(principal, appointment)
        refusal = cancellation_refusal(appointment, agenda.now())
        if refusal is not None:
            raise refusal
        return await cancel_in_session(
            agenda,
            appointment,
            by=by,
            by_user_id=principal.user_id,
            reason=reason,
            session=session,
        )

    return await agenda.ctx.transaction(work)


async def complete_in_session(
    agenda: Agenda, appointment: Appointment, session: AsyncClientSession
) -> None:
    """Mark an accepted appointment whose end passed as done; both sides are asked for feedback."""
    now = agenda.now()
    appointment.status = "completed"
    appointment.finished_at = now
    appointment.updated_at = now
    event = AppointmentCompleted(appointment=facts(appointment))
    told: list[tuple[str, NotificationKind]] = [
        (appointment.ambassador_id, "appointment_completed"),
        (appointment.requester_id, "appointment_completed"),
    ]
    await announce(agenda, session, appointment, event, told)


async def give_feedback(
    agenda: Agenda, principal: Principal, appointment_id: str, rating: int, comment: str | None
) -> Appointment:
    """A party rates an intervention once it is over (once per side)."""

    async def work(session: AsyncClientSession) -> Appointment:
        appointment = await visible(agenda, principal, appointment_id, session)
        side = appointment.side_of(principal.user_id)
        if side is None:
            raise errors.NOT_A_PARTY.error()
        now = agenda.now()
        refusal = feedback_refusal(appointment, side, now)
        if refusal is not None:
            raise refusal
        was = appointment.status
        if was == "accepted":
            # Over, but the scheduler has not been by yet: it is done now.
            await complete_in_session(agenda, appointment, session)
        appointment.feedback = {
            **appointment.feedback,
            side: Feedback(rating=rating, comment=comment or None, at=now),
        }
        appointment.updated_at = now
        await _save(agenda, appointment, was, session)
        return appointment

    return await agenda.ctx.transaction(work)
