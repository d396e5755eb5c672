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
from collections.abc import Awaitable, Callable, Sequence

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.events import ContactChanged, ExportRequested, UserDeleted
from services.agenda.events import (
    AppointmentAccepted,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentExpired,
    AppointmentRefused,
    SolicitationCreated,
)
from services.messaging.conversations import Conversations
from services.messaging.events import MessagingExportPrepared
from shared.bus import Delivery, Subscription
from shared.events import Event
from shared.runtime import ServiceContext

log = logging.getLogger("services.messaging.subscriptions")

SERVICE = "messaging"
Effect = Callable[[Delivery], Callable[[AsyncClientSession], Awaitable[None]]]


def subscriptions(
    context: ServiceContext, conversations: Callable[[], Conversations]
) -> Sequence[Subscription]:
    """Messaging's handlers (``conversations`` gives the service once it is wired)."""

    def handler(name: str, effect: Effect) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            done = await context.once(name, delivery.envelope.id, effect(delivery))
            log.info(
                "event handled" if done else "event already handled",
                extra={**delivery.envelope.describe(), "handler": name},
            )

        return handle

    def open_conversation(delivery: Delivery) -> Callable[[AsyncClientSession], Awaitable[None]]:
        event = delivery.event
        assert isinstance(event, SolicitationCreated)

        async def effect(session: AsyncClientSession) -> None:
            await conversations().open_for_solicitation(event, session)

        return effect

    def follow_appointment(delivery: Delivery) -> Callable[[AsyncClientSession], Awaitable[None]]:
        event = delivery.event
        assert isinstance(event, AppointmentAccepted)

        async def effect(session: AsyncClientSession) -> None:
            if event.taken_from:
                await conversations().appointment_moved(
                    event.taken_from, event.appointment.appointment_id, session
                )

        return effect

    def appointment_over(delivery: Delivery) -> Callable[[AsyncClientSession], Awaitable[None]]:
        event = delivery.event
        appointment = getattr(event, "appointment", None)
        assert appointment is not None

        async def effect(session: AsyncClientSession) -> None:
            await conversations().appointment_over(
                appointment.appointment_id, delivery.envelope.occurred_at, session
            )

        return effect

    def remember_contact(delivery: Delivery) -> Callable[[AsyncClientSession], Awaitable[None]]:
        event = delivery.event
        assert isinstance(event, ContactChanged)

        async def effect(session: AsyncClientSession) -> None:
            await conversations().remember_contact(event, delivery.envelope.occurred_at, session)

        return effect

    def forget_user(delivery: Delivery) -> Callable[[AsyncClientSession], Awaitable[None]]:
        event = delivery.event
        assert isinstance(event, UserDeleted)

        async def effect(session: AsyncClientSession) -> None:
            await conversations().forget_user(event.user_id, delivery.envelope.occurred_at, session)

        return effect

    async def export(delivery: Delivery) -> None:
        # Read outside the transaction (it may be large), answer once per request.
        event = delivery.event
        assert isinstance(event, ExportRequested)
        data = await conversations().personal_data(event.user_id)

        async def answer(session: AsyncClientSession) -> None:
            part = MessagingExportPrepared(
                request_id=event.request_id, user_id=event.user_id, service=SERVICE, data=data
            )
            await context.outbox.add(part, session, correlation_id=delivery.envelope.correlation_id)

        await context.once("export", delivery.envelope.id, answer)

    over: list[type[Event]] = [
        AppointmentCompleted,
        AppointmentRefused,
        AppointmentCancelled,
        AppointmentExpired,
    ]
    return [
        Subscription(
            SERVICE,
            "open_conversation",
            SolicitationCreated,
            handler("open_conversation", open_conversation),
        ),
        Subscription(
            SERVICE,
            "follow_appointment",
            AppointmentAccepted,
            handler("follow_appointment", follow_appointment),
        ),
        *(
            Subscription(
                SERVICE,
                "close_conversation",
                event,
                handler("close_conversation", appointment_over),
            )
            for event in over
        ),
        Subscription(
            SERVICE,
            "remember_contact",
            ContactChanged,
            handler("remember_contact", remember_contact),
        ),
        Subscription(SERVICE, "forget_user", UserDeleted, handler("forget_user", forget_user)),
        Subscription(SERVICE, "export", ExportRequested, export),
    ]
