"""The in-process bus of the embedded platform: RabbitMQ's semantics, in memory.

Every service of the process shares one :class:`MemoryBus`. Each subscription has
its own queue worked by a bounded number of concurrent handlers (like a prefetch);
a failing handler's message is put back after the same delays as over RabbitMQ
(a timer, so the queue keeps flowing meanwhile), then parked. Envelopes travel as
bytes and are parsed again on delivery, so both buses apply the same validation.
Nothing survives the process: durability is the outbox's job.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.bus.base import (
    Bus,
    BusUnavailableError,
    ParkedMessage,
    Subscription,
    UnroutableEventError,
)
from shared.bus.dispatch import deliver, parking_headers, retry_headers
from shared.events import Envelope
from shared.metrics import event_published
from shared.settings import Settings
from shared.tracing import carrier_of, publishing


@dataclass(frozen=True)
class _Message:
    body: bytes
    attempt: int = 1
    headers: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Queue:
    name: str
    subscription: Subscription
    slots: asyncio.Semaphore
    items: asyncio.Queue[_Message] = field(default_factory=asyncio.Queue)
    consumers: list[asyncio.Task[None]] = field(default_factory=list)
    running: set[asyncio.Task[None]] = field(default_factory=set)


class MemoryBus(Bus):
    """An in-process bus with the same delivery rules as :class:`RabbitBus`."""

    def __init__(self, settings: Settings) -> None:
        self._prefix = settings.bus_prefix
        self._delays = list(settings.bus_retry_delays)
        self._prefetch = settings.bus_prefetch
        self._queues: dict[str, _Queue] = {}
        self._bindings: defaultdict[str, list[_Queue]] = defaultdict(list)
        self._parked: defaultdict[str, list[ParkedMessage]] = defaultdict(list)
        self._timers: set[asyncio.TimerHandle] = set()
        self._started = False
        self._closed = False

    async def start(self) -> None:
        """Nothing to connect to: the bus accepts events from now on."""
        self._started = True
        self._closed = False

    async def close(self) -> None:
        """Stop the workers; handlers still running are cancelled (never acked)."""
        self._closed = True
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        tasks = [task for queue in self._queues.values() for task in queue.consumers]
        tasks += [task for queue in self._queues.values() for task in queue.running]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._queues.clear()
        self._bindings.clear()

    async def publish(self, envelope: Envelope) -> None:
        """Queue the event for every subscription of its type, or raise if there is none."""
        with publishing(envelope, system="memory") as headers:
            await self.publish_bytes(envelope.type, envelope.to_bytes(), headers=headers)
        event_published(envelope.producer, envelope.type)

    async def publish_bytes(
        self, routing_key: str, body: bytes, *, headers: Mapping[str, str] | None = None
    ) -> None:
        """Deliver raw bytes under ``routing_key`` as a foreign producer would.

        The services publish envelopes; this exists for tools and tests that must
        feed the bus what a broken producer could send.
        """
        if not self._started or self._closed:
            raise BusUnavailableError("bus not started or closed")
        queues = self._bindings.get(routing_key)
        if not queues:
            raise UnroutableEventError(f"no queue bound for {routing_key}")
        for queue in queues:
            queue.items.put_nowait(_Message(body, headers=dict(headers or {})))

    async def subscribe(self, subscription: Subscription) -> None:
        """Create the subscription's queue (or join it, as a competing consumer)."""
        if not self._started or self._closed:
            raise BusUnavailableError("bus not started or closed")
        name = subscription.queue_name(self._prefix)
        queue = self._queues.get(name)
        if queue is None:
            slots = asyncio.Semaphore(subscription.prefetch_or(self._prefetch))
            queue = _Queue(name, subscription, slots)
            self._queues[name] = queue
            self._bindings[subscription.event_type].append(queue)
        queue.consumers.append(asyncio.create_task(self._consume(queue, subscription)))

    async def _consume(self, queue: _Queue, subscription: Subscription) -> None:
        while True:
            # Take a slot before a message, so at most ``prefetch`` are in hand.
            await queue.slots.acquire()
            message = await queue.items.get()
            task = asyncio.create_task(self._handle(queue, subscription, message))
            queue.running.add(task)
            task.add_done_callback(_releaser(queue))

    async def _handle(self, queue: _Queue, subscription: Subscription, message: _Message) -> None:
        async def park(reason: str) -> None:
            self._park(queue.name, message, reason)

        async def retry(delay: float, exc: BaseException) -> None:
            attempt = message.attempt + 1
            headers = {**carrier_of(message.headers), **retry_headers(attempt, exc)}
            self._later(delay, queue, _Message(message.body, attempt=attempt, headers=headers))

        await deliver(
            message.body,
            message.headers,
            subscription,
            attempt=message.attempt,
            redelivered=False,
            delays=self._delays,
            queue=queue.name,
            system="memory",
            park=park,
            retry=retry,
        )

    def _later(self, delay: float, queue: _Queue, message: _Message) -> None:
        loop = asyncio.get_running_loop()

        def put_back() -> None:
            self._timers.discard(timer)
            if not self._closed:
                queue.items.put_nowait(message)

        timer = loop.call_later(delay, put_back)
        self._timers.add(timer)

    def _park(self, queue: str, message: _Message, reason: str) -> None:
        now = datetime.now(UTC)
        headers = {**message.headers, **parking_headers(message.attempt, reason, queue, now)}
        self._parked[queue].append(
            ParkedMessage(
                queue=queue, body=message.body, reason=reason, parked_at=now, headers=headers
            )
        )

    async def parked(self, subscription: Subscription) -> list[ParkedMessage]:
        """Messages parked for ``subscription``, oldest first."""
        return list(self._parked.get(subscription.queue_name(self._prefix), ()))

    async def take_parked(
        self, subscription: Subscription, key: str, *, replay: bool
    ) -> ParkedMessage | None:
        """Remove one parked message; with ``replay``, queue it again for its consumer."""
        name = subscription.queue_name(self._prefix)
        parked = self._parked.get(name, [])
        for index, message in enumerate(parked):
            if message.key == key:
                del parked[index]
                queue = self._queues.get(name)
                if replay and queue is not None:
                    queue.items.put_nowait(
                        _Message(message.body, headers=carrier_of(message.headers))
                    )
                return message
        return None

    def state(self) -> dict[str, Any]:
        """Health details of the in-process bus."""
        queues = self._queues.values()
        return {
            "connected": self._started and not self._closed,
            "broker": "memory",
            "prefix": self._prefix,
            "subscriptions": len(self._queues),
            "queued": sum(queue.items.qsize() for queue in queues),
            "in_flight": sum(len(queue.running) for queue in queues),
            "waiting_retry": len(self._timers),
            "parked": sum(len(messages) for messages in self._parked.values()),
        }


def _releaser(queue: _Queue) -> Callable[[asyncio.Task[None]], None]:
    # Frees the handler's slot once it has finished, whatever the outcome.

    def release(task: asyncio.Task[None]) -> None:
        queue.running.discard(task)
        queue.slots.release()

    return release
