"""What agenda does when someone deletes their account (``accounts.user.deleted``).

Their future appointments are cancelled and the other party is told. Then every
appointment they took part in is anonymised: their id becomes a random pseudonym
(the same for all of them, so statistics still count interventions and people
without knowing who), their name is replaced, and what they wrote is erased. Their
copy becomes a tombstone so a late profile event cannot bring it back; their feed
and calendar link are deleted. In open calls, their invitations go, their places at
past events stay anonymously, and the calls they organised lose their name (the
upcoming ones are cancelled with the organiser's appointments). Then agenda says it
is done (``agenda.user.erased``), in the same transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda.announce import rewrite_feed
from services.agenda.appointments import cancel_in_session
from services.agenda.context import Agenda
from services.agenda.domain.model import LIVE, AmbassadorCopy, Appointment, Side
from services.agenda.store import Party
from shared.contracts.agenda import AgendaUserErased

# A revision no profile event will ever reach: the tombstone always wins.
TOMBSTONE_REVISION = 2**62
# As of when a deleted staff member or referent's tombstone was written: never older.
TOMBSTONE_AS_OF = datetime(9999, 12, 31, tzinfo=UTC)

CANCEL_REASON = "La personne a supprimé son compte."
GONE_NAMES: dict[Side, str] = {
    "ambassador": "Ambassadeur ayant quitté le programme",
    "requester": "Personne ayant quitté le programme",
}


def anonymise(appointment: Appointment, side: Side, pseudonym: str) -> None:
    """Remove one party from ``appointment``, keeping what statistics count."""
    if side == "ambassador":
        appointment.ambassador_id = pseudonym
        # The profile type, sector and organization stay: they say nothing of who.
        appointment.ambassador = appointment.ambassador.model_copy(
            update={"id": pseudonym, "name": GONE_NAMES[side], "job_title": None}
        )
        if appointment.answer is not None:
            appointment.answer = appointment.answer.model_copy(update={"message": None})
    else:
        appointment.requester_id = pseudonym
        appointment.requester = appointment.requester.model_copy(
            update={"id": pseudonym, "name": GONE_NAMES[side]}
        )
        appointment.message = None
    if appointment.cancellation is not None and appointment.cancellation.by == side:
        appointment.cancellation = appointment.cancellation.model_copy(
            update={"reason": None, "by_user_id": None}
        )
    if side in appointment.feedback:
        appointment.feedback = {
            **appointment.feedback,
            side: appointment.feedback[side].model_copy(update={"comment": None}),
        }
    if side not in appointment.anonymised:
        appointment.anonymised = [*appointment.anonymised, side]


async def erase_user(agenda: Agenda, user_id: str, role: str, session: AsyncClientSession) -> None:
    """Cancel the person's future appointments and anonymise them everywhere in agenda."""
    store = agenda.store
    now = agenda.now()
    pseudonym = f"gone-{agenda.new_id()}"
    sides: tuple[tuple[Party, Side], ...] = (
        ("ambassador_id", "ambassador"),
        ("requester_id", "requester"),
    )
    for party, side in sides:
        for appointment in await store.of_person(party, user_id, session):
            if appointment.status in LIVE and appointment.starts_at > now:
                # Cancelled on their behalf: the other party is told why.
                appointment = await cancel_in_session(
                    agenda,
                    appointment,
                    by=side,
                    by_user_id=None,
                    reason=CANCEL_REASON,
                    session=session,
                    gone=user_id,
                )
            elif appointment.status in LIVE:
                # Already under way: closed now, quietly, so that no later step
                # writes to someone who is gone.
                appointment.status = "expired" if appointment.status == "pending" else "completed"
                appointment.finished_at = now
                appointment.due_at = None
            anonymise(appointment, side, pseudonym)
            appointment.updated_at = now
            await store.replace(appointment, session)
            # The other party's feed named the person: it now reads as the page does.
            await store.feed.forget_user(user_id, session)
            await rewrite_feed(agenda, session, appointment)
    await store.feed.forget_user(user_id, session)
    await store.calendar_links.revoke(user_id, session)
    if role == "ambassador":
        tombstone = AmbassadorCopy(
            id=user_id,
            revision=TOMBSTONE_REVISION,
            solicitable=False,
            not_solicitable_reason="deleted",
            deleted=True,
        )
        await store.bury_ambassador(tombstone, session)
    if role == "staff":
        await store.bury_copy("staff", user_id, TOMBSTONE_AS_OF, session)
    elif role == "referent":
        await store.bury_copy("referent", user_id, TOMBSTONE_AS_OF, session)
    await store.forget_suggested(user_id, session)
    await _erase_from_calls(agenda, user_id, pseudonym, session)
    await agenda.ctx.outbox.add(
        AgendaUserErased(user_id=user_id, service="agenda"), session, correlation_id=user_id
    )


async def _erase_from_calls(
    agenda: Agenda, user_id: str, pseudonym: str, session: AsyncClientSession
) -> None:
    """Take the person out of the open calls (their upcoming places were given back)."""
    store = agenda.store
    now = agenda.now()
    await store.uninvite(user_id, session)
    for call in await store.calls_with(user_id, session):
        for attendee in call.attendees:
            if attendee.ambassador_id == user_id:
                await _unname_in_feed(agenda, call.organiser_id, user_id, attendee.name, session)
                attendee.ambassador_id = pseudonym
                attendee.name = GONE_NAMES["ambassador"]
        if call.organiser_id == user_id:
            call.organiser_id = pseudonym
            call.organiser = call.organiser.model_copy(
                update={"id": pseudonym, "name": GONE_NAMES["requester"]}
            )
            if call.ends_at > now:
                call.status = "cancelled"
        call.updated_at = now
        await store.replace_call(call, session)


async def _unname_in_feed(
    agenda: Agenda, organiser_id: str, user_id: str, name: str, session: AsyncClientSession
) -> None:
    """Rewrite the organiser's feed lines that named the person as coming.

    The organiser's feed is read through its index and filtered here.
    """
    for line in await agenda.store.feed.of_user(organiser_id, session):
        if line.get("about_user_id") != user_id:
            continue
        text = line["text"].replace(name, GONE_NAMES["ambassador"])
        await agenda.store.feed.unname(line["_id"], text, session)
