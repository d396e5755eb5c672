"""Events per second through RabbitBus, against a bare aio-pika loop and FastStream.

Each contender does the same work on one connection: publish N small persistent
events to a topic exchange with ``--in-flight`` publisher confirms outstanding,
while one consumer (prefetch ``--prefetch``, quorum queue) takes them and acks each
after its handler. The clock runs from the first publish to the last ack.

- bare: aio-pika, the envelope's bytes prebuilt, no parsing (the transport alone);
- bus: ``RabbitBus.publish_many`` and a subscription, so it pays for serialising
  the envelope, parsing it again and validating its data against the model;
- faststream: ``RabbitBroker.publish`` of the envelope (pydantic) and a typed
  subscriber that opens it too;
- bare-plain: bare again on a quorum queue without the bus's safety arguments.

bare and faststream declare their queue with the arguments the bus declares
(delivery limit, at-least-once dead-lettering, which needs ``reject-publish``):
the broker's work per message depends on them. bare-plain shows what they cost.

Rounds alternate the contenders; the median round is reported. Every exchange and
queue is made under a fresh prefix and deleted afterwards.

Run: ``python -m bench.bus_throughput [--events 20000] [--rounds 5]`` (``AMQP_URL``
picks the broker, default guest on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import aio_pika
from faststream.rabbit import (
    Channel,
    ExchangeType,
    QueueType,
    RabbitBroker,
    RabbitExchange,
    RabbitQueue,
)

from shared.bus import Delivery, Subscription
from shared.bus.rabbit import RabbitBus
from shared.events import Envelope, Event
from shared.settings import Settings


class BenchPinged(Event):
    """The benchmark's small event."""

    type: ClassVar[str] = "bench.probe.pinged"

    seq: int
    note: str


@dataclass(frozen=True)
class Figures:
    """One contender's round."""

    published_per_s: float  # publish phase only (all confirms in)
    handled_per_s: float  # first publish to last ack
    cpu_per_event_us: float  # this process's CPU time per event (the client's cost)


def envelopes(count: int) -> list[Envelope]:
    """The events to send, built before the clock starts."""
    return [
        Envelope.wrap(BenchPinged(seq=seq, note="présentation métier"), producer="bench")
        for seq in range(count)
    ]


def chunks(items: Sequence[Envelope], size: int) -> list[Sequence[Envelope]]:
    """``items`` cut into slices of ``size``."""
    return [items[start : start + size] for start in range(0, len(items), size)]


class Countdown:
    """Counts handled events and wakes the clock when all are in."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.count = 0
        self.done = asyncio.Event()

    def tick(self) -> None:
        """One more event handled."""
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


async def _timed(
    publish_all: Callable[[], Awaitable[None]], countdown: Countdown, count: int
) -> Figures:
    start, cpu_start = time.perf_counter(), time.process_time()
    await publish_all()
    published = time.perf_counter()
    await asyncio.wait_for(countdown.done.wait(), timeout=300)
    handled = time.perf_counter()
    cpu = time.process_time() - cpu_start
    return Figures(count / (published - start), count / (handled - start), cpu / count * 1e6)


async def _drop(url: str, queues: Sequence[str], exchanges: Sequence[str]) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in exchanges:
            await channel.exchange_delete(exchange)


def queue_arguments(prefix: str, queue: str) -> dict[str, str | int]:
    """The arguments RabbitBus gives a subscription queue (see shared.bus.rabbit)."""
    return {
        "x-queue-type": "quorum",
        "x-delivery-limit": 4,
        "x-dead-letter-exchange": f"{prefix}.parking",
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
    }


async def run_bare_plain(
    url: str, events: list[Envelope], in_flight: int, prefetch: int
) -> Figures:
    """bare on a quorum queue with no other argument."""
    return await run_bare(url, events, in_flight, prefetch, plain=True)


async def run_bare(
    url: str, events: list[Envelope], in_flight: int, prefetch: int, *, plain: bool = False
) -> Figures:
    """A bare aio-pika publisher and consumer doing the same work."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    name = f"{prefix}.bare"
    arguments = {"x-queue-type": "quorum"} if plain else queue_arguments(prefix, name)
    key = BenchPinged.type
    bodies = [(str(envelope.id), envelope.to_bytes()) for envelope in events]
    countdown = Countdown(len(events))
    connection = await aio_pika.connect_robust(url)
    try:
        publishing = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await publishing.declare_exchange(
            f"{prefix}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        consuming = await connection.channel(publisher_confirms=False)
        await consuming.set_qos(prefetch_count=prefetch)
        queue = await consuming.declare_queue(name, durable=True, arguments=arguments)
        await queue.bind(exchange, key)

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            await message.ack()
            countdown.tick()

        await queue.consume(on_message)

        async def publish_all() -> None:
            for start in range(0, len(bodies), in_flight):
                await asyncio.gather(
                    *(
                        exchange.publish(
                            aio_pika.Message(
                                body,
                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                message_id=message_id,
                                content_type="application/json",
                            ),
                            key,
                            mandatory=True,
                        )
                        for message_id, body in bodies[start : start + in_flight]
                    )
                )

        return await _timed(publish_all, countdown, len(events))
    finally:
        await connection.close()
        await _drop(url, [name], [f"{prefix}.events"])


async def run_bus(url: str, events: list[Envelope], in_flight: int, prefetch: int) -> Figures:
    """RabbitBus: publish_many with confirms in flight, one subscription."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    delays = [1.0]
    settings = Settings(
        amqp_url=url, bus_prefix=prefix, bus_prefetch=prefetch, bus_retry_delays=delays
    )
    countdown = Countdown(len(events))

    async def handle(_delivery: Delivery) -> None:
        countdown.tick()

    subscription = Subscription("bench", "on_pinged", BenchPinged, handle)
    bus = RabbitBus(settings, "bench")
    await bus.start()
    try:
        await bus.subscribe(subscription)

        async def publish_all() -> None:
            for chunk in chunks(events, in_flight):
                errors = [error for error in await bus.publish_many(chunk) if error]
                if errors:
                    raise errors[0]

        return await _timed(publish_all, countdown, len(events))
    finally:
        await bus.close()
        queue = subscription.queue_name(prefix)
        await _drop(
            url,
            [queue, f"{queue}.parking", *(f"{prefix}.wait.{round(d * 1000)}" for d in delays)],
            [f"{prefix}.{name}" for name in ("events", "wait", "requeue", "parking")],
        )


async def run_faststream(
    url: str, events: list[Envelope], in_flight: int, prefetch: int
) -> Figures:
    """FastStream's RabbitBroker doing the same work."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    key = BenchPinged.type
    countdown = Countdown(len(events))
    broker = RabbitBroker(url, logger=None)
    exchange = RabbitExchange(f"{prefix}.events", type=ExchangeType.TOPIC, durable=True)
    name = f"{prefix}.faststream"
    # FastStream types them as a TypedDict; the values are the bus's own.
    arguments: Any = queue_arguments(prefix, name)
    queue = RabbitQueue(
        name, queue_type=QueueType.QUORUM, durable=True, routing_key=key, arguments=arguments
    )

    @broker.subscriber(queue, exchange, channel=Channel(prefetch_count=prefetch))
    async def handle(envelope: Envelope) -> None:
        envelope.open(BenchPinged)
        countdown.tick()

    await broker.start()
    try:

        async def publish_all() -> None:
            for chunk in chunks(events, in_flight):
                await asyncio.gather(
                    *(
                        broker.publish(
                            envelope,
                            exchange=exchange,
                            routing_key=key,
                            persist=True,
                            mandatory=True,
                            message_id=str(envelope.id),
                        )
                        for envelope in chunk
                    )
                )

        return await _timed(publish_all, countdown, len(events))
    finally:
        await broker.stop()
        await _drop(url, [name], [f"{prefix}.events"])


CONTENDERS = {
    "bare": run_bare,
    "bus": run_bus,
    "faststream": run_faststream,
    "bare-plain": run_bare_plain,
}


async def main() -> None:
    """Run the rounds and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--in-flight", type=int, default=500)
    parser.add_argument("--prefetch", type=int, default=100)
    parser.add_argument("--only", choices=list(CONTENDERS), action="append")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    names = args.only or list(CONTENDERS)
    results: dict[str, list[Figures]] = {name: [] for name in names}
    events = envelopes(args.events)
    for round_ in range(args.rounds):
        # Rotate the order so that no contender always runs first (cold broker).
        order = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in order:
            figures = await CONTENDERS[name](url, events, args.in_flight, args.prefetch)
            results[name].append(figures)
            print(
                f"round {round_ + 1} {name:>10}: {figures.handled_per_s:8.0f} events/s "
                f"end to end, publish phase {figures.published_per_s:8.0f}/s, "
                f"client CPU {figures.cpu_per_event_us:5.0f} µs/event",
                flush=True,
            )
    print(
        f"\n{args.events} events, {args.in_flight} confirms in flight, prefetch "
        f"{args.prefetch}, persistent, quorum queue; median of {args.rounds} rounds"
    )
    medians = {
        name: statistics.median(f.handled_per_s for f in figures)
        for name, figures in results.items()
    }
    cpu = {
        name: statistics.median(f.cpu_per_event_us for f in figures)
        for name, figures in results.items()
    }
    for name, value in medians.items():
        print(f"{name:>10}: {value:8.0f} events/s, client CPU {cpu[name]:5.0f} µs/event")
    if "bare" in medians and "bus" in medians:
        overhead = (medians["bare"] - medians["bus"]) / medians["bare"] * 100
        print(f"bus overhead vs bare aio-pika: {overhead:.1f} % (target < 25 %)")
        extra = (cpu["bus"] - cpu["bare"]) / cpu["bare"] * 100
        print(f"bus client CPU per event vs bare: {extra:+.1f} %")
    if "faststream" in medians and "bus" in medians:
        ratio = medians["bus"] / medians["faststream"]
        print(f"bus vs FastStream: {ratio:.2f}x (target >= 1)")


if __name__ == "__main__":
    asyncio.run(main())
