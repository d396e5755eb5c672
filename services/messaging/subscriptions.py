"""Events messaging consumes, each on its own durable queue, each handled once.

- ``agenda.solicitation.created`` opens the conversation (the solicitation's message
  first); ``agenda.appointment.accepted`` for a taken alternative slot keeps the same
  conversation; the end of an appointment (completed, refused, cancelled, expired)
  schedules its closing.
- ``accounts.contact.changed`` keeps messaging's copy of a person's private details;
  ``accounts.user.deleted`` erases them and turns the person into "Ancien membre"
  (then ``messaging.user.erased``); ``accounts.export.requested`` gets messaging's part
  of the person's data (``messaging.export.prepared``), see ``shared.personal_data``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.messaging.conversations import Conversations
from shared.bus import Subscription
from shared.contracts.accounts import ContactChanged, UserDeleted
from shared.contracts.agenda import (
    AppointmentAccepted,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentExpired,
    AppointmentRefused,
    SolicitationCreated,
)
from shared.contracts.messaging import MessagingExportPrepared
from shared.events import Envelope
from shared.personal_data import export_answers
from shared.runtime import ServiceContext

log = logging.getLogger("services.messaging.subscriptions")

SERVICE = "messaging"
# The ends of an appointment: each schedules the closing of its conversation.
AppointmentOver = (
    AppointmentCompleted | AppointmentRefused | AppointmentCancelled | AppointmentExpired
)


def subscriptions(
    context: ServiceContext, conversations: Callable[[], Conversations]
) -> Sequence[Subscription]:
    """Messaging's handlers (``conversations`` gives the service once it is wired)."""

    async def open_conversation(
        event: SolicitationCreated, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        await conversations().open_for_solicitation(event, session)

    async def follow_appointment(
        event: AppointmentAccepted, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        if event.taken_from:
            await conversations().appointment_moved(event.taken_from, event.appointment, session)

    async def appointment_over(
        event: AppointmentOver, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        await conversations().appointment_over(
            event.appointment.appointment_id, envelope.occurred_at, session
        )

    async def remember_contact(
        event: ContactChanged, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        await conversations().remember_contact(event, envelope.occurred_at, session)

    async def forget_user(
        event: UserDeleted, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        await conversations().forget_user(event.user_id, envelope.occurred_at, session)

    async def export(user_id: str) -> dict[str, Any]:
        return await conversations().personal_data(user_id)

    return [
        context.on(SolicitationCreated, "open_conversation", open_conversation),
        context.on(AppointmentAccepted, "follow_appointment", follow_appointment),
        context.on(AppointmentCompleted, "close_conversation", appointment_over),
        context.on(AppointmentRefused, "close_conversation", appointment_over),
        context.on(AppointmentCancelled, "close_conversation", appointment_over),
        context.on(AppointmentExpired, "close_conversation", appointment_over),
        context.on(ContactChanged, "remember_contact", remember_contact),
        context.on(UserDeleted, "forget_user", forget_user),
        export_answers(context, "export", MessagingExportPrepared, export),
    ]
