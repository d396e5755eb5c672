"""One way to handle an event: a typed, idempotent subscription.

``context.on(StaffProfileChanged, "copy_staff", copy_staff)`` subscribes the service
to that contract; ``copy_staff(event, envelope, session)`` gets the event already
typed as the model, and writes through the session of the transaction that also
records the event as handled by ``copy_staff``: a redelivery (at-least-once) has no
second effect.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from shared.bus.base import Delivery, Subscription
from shared.events import Envelope, Event
from shared.idempotency import TransactionEffect

log = logging.getLogger("shared.handlers")

E = TypeVar("E", bound=Event)
# What handling an event does in the database, inside its transaction.
Effect = Callable[[E, Envelope, AsyncClientSession], Awaitable[None]]
# What follows the transaction, whether it ran now or before (a redelivery).
After = Callable[[E, Envelope], Awaitable[None]]


class HandlesOnce(Protocol):
    """What :func:`on` needs of a service: its name and idempotent transactions."""

    @property
    def name(self) -> str:
        """The service's name."""
        ...

    async def once(self, handler: str, event_id: object, effect: TransactionEffect) -> bool:
        """Run ``effect`` in a transaction unless ``handler`` already handled ``event_id``."""
        ...


def on(
    service: HandlesOnce,
    model: type[E],
    name: str,
    effect: Effect[E],
    *,
    event_type: str = "",
    after: After[E] | None = None,
) -> Subscription:
    """The subscription of ``service`` that runs ``effect`` once per event of ``model``.

    ``name`` names the handler: its queue and its handled-event records.
    ``event_type`` defaults to the model's type (see :class:`Subscription`);
    ``after`` runs once the effect is committed or found already done.
    """

    async def handle(delivery: Delivery) -> None:
        event = typed(delivery, model)

        async def run(session: AsyncClientSession) -> None:
            await effect(event, delivery.envelope, session)

        done = await service.once(name, delivery.envelope.id, run)
        log.debug(
            "event handled" if done else "event already handled",
            extra={**delivery.envelope.describe(), "handler": name},
        )
        if after is not None:
            await after(event, delivery.envelope)

    return Subscription(service.name, name, model, handle, event_type=event_type)


def typed(delivery: Delivery, model: type[E]) -> E:
    """The delivery's event as ``model``, the contract its subscription decoded it with."""
    event = delivery.event
    if not isinstance(event, model):
        raise TypeError(f"{delivery.envelope.type} decoded as {type(event).__name__}")
    return event
