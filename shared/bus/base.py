"""What every bus implementation promises.

Delivery semantics, the same in memory and over RabbitMQ:
- an event published reaches every subscription whose event type matches, once
  (at least once: after a crash or a reconnect a delivery may repeat, so handlers are
  idempotent; see ``shared.idempotency``);
- ``publish`` returns only once the bus has taken responsibility for the event
  (publisher confirm); an event no subscription wants raises ``UnroutableEventError``
  (the outbox keeps it and tries again later);
- a handler that raises is retried after the delays of ``Settings.bus_retry_delays``,
  then the message is parked; later messages keep flowing meanwhile;
- a message that cannot be read (not an envelope, not the type or version its
  subscription reads, data not matching the subscription's model) is parked at once
  with a log line, never retried, never crashing.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.events import Envelope, Event


class UnroutableEventError(RuntimeError):
    """No queue is bound for this event type: nobody would receive it."""


class BusUnavailableError(ConnectionError):
    """The broker did not take the event before the publish deadline."""


@dataclass(frozen=True)
class Delivery:
    """One delivery of an event to a subscription's handler."""

    envelope: Envelope
    event: Event
    attempt: int  # 1 for the first delivery, 2 for the first retry, …
    redelivered: bool = False  # the broker says an earlier delivery may have run


Handler = Callable[[Delivery], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """A consuming service's handler for one event type, with its own durable queue.

    The subscription names the contract it reads: ``model`` (from
    ``shared.contracts``) decodes the data of the events of ``event_type``, which
    defaults to the model's own type. A model shared by several producers' types
    (the personal-data answers) is given the type explicitly.

    Replicas of the same service share the queue (competing consumers); two services
    subscribing to the same type each get every event.
    """

    service: str
    name: str
    model: type[Event]
    handler: Handler = field(compare=False)
    # Messages in hand at once; ``None``: the bus's setting. A handler that writes
    # what arrives together in one transaction asks for more, to fill its groups.
    prefetch: int | None = field(default=None, compare=False)
    event_type: str = ""

    def __post_init__(self) -> None:
        if not self.event_type:
            # Frozen: set once, here, the type the model itself declares.
            object.__setattr__(self, "event_type", self.model.type)

    def prefetch_or(self, default: int) -> int:
        """How many messages this subscription may hold unacknowledged."""
        return self.prefetch if self.prefetch is not None else default

    def open(self, envelope: Envelope) -> Event:
        """The event an envelope carries, read with this subscription's contract.

        Raises ``shared.events.UnexpectedEventError`` for another type or version and
        ``pydantic.ValidationError`` for data that does not match the model.
        """
        return envelope.open(self.model, self.event_type)

    def queue_name(self, prefix: str) -> str:
        """Queue name in nameko's style: ``<prefix>.evt-<type>--<service>.<handler>``."""
        return f"{prefix}.evt-{self.event_type}--{self.service}.{self.name}"


@dataclass(frozen=True)
class ParkedMessage:
    """A message set aside after its last attempt, or because it could not be read."""

    queue: str
    body: bytes
    reason: str
    parked_at: datetime | None = None
    headers: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """How an operator names this message: a digest of its body (a message may not
        be an envelope, and so have no event id)."""
        return hashlib.sha256(self.body).hexdigest()[:24]


class Bus(abc.ABC):
    """The interface services use; ``start`` before use, ``close`` at shutdown."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and declare the shared topology (exchanges, wait queues)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop consuming (in-flight handlers finish or are redelivered) and disconnect."""

    @abc.abstractmethod
    async def publish(self, envelope: Envelope) -> None:
        """Publish one event; returns once confirmed (see module docstring)."""

    async def publish_many(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
        """Publish several events with their confirms in flight together.

        Returns one entry per envelope: ``None`` when confirmed, else the error.
        """
        import asyncio

        results = await asyncio.gather(
            *(self.publish(envelope) for envelope in envelopes), return_exceptions=True
        )
        return [result if isinstance(result, BaseException) else None for result in results]

    @abc.abstractmethod
    async def subscribe(self, subscription: Subscription) -> None:
        """Declare the subscription's queue and bindings and start consuming."""

    @abc.abstractmethod
    async def parked(self, subscription: Subscription) -> list[ParkedMessage]:
        """Messages parked for ``subscription`` (read without removing them)."""

    @abc.abstractmethod
    async def take_parked(
        self, subscription: Subscription, key: str, *, replay: bool
    ) -> ParkedMessage | None:
        """Remove the parked message ``key`` (see :attr:`ParkedMessage.key`) from
        ``subscription``'s parking queue; with ``replay``, put its body back on the
        subscription's own queue for a fresh round of attempts (only that consumer
        gets it again). ``None`` when no such message is parked."""

    @abc.abstractmethod
    def state(self) -> dict[str, Any]:
        """Health details; ``{"connected": bool, …}``."""

    @property
    def connected(self) -> bool:
        """Whether the bus can publish right now."""
        return bool(self.state().get("connected"))
