"""RabbitMQ only: crashes, cut connections and a broker that closes them all."""

from __future__ import annotations

import asyncio
import json
import logging

import aio_pika
import pytest

from shared.bus import BusUnavailableError, ParkedMessage
from shared.bus.rabbit import RabbitBus
from shared.settings import Settings
from tests.bus.probes import Pinged, Recorder, pinged
from tests.fixtures.rabbit import (
    BrokerLink,
    BusHarness,
    rabbitmq_close_all_connections,
    vhost_of,
    wait_until,
)
from tests.fixtures.smtp import free_port

pytestmark = pytest.mark.broker


async def _bus_through(
    harness: BusHarness, link: BrokerLink, service: str, **options: float
) -> RabbitBus:
    assert harness.settings.amqp_url is not None
    settings = harness.settings.model_copy(update={"amqp_url": link.url(harness.settings.amqp_url)})
    bus = RabbitBus(settings, service, **options)
    await bus.start()
    harness.opened.append(bus)
    return bus


async def test_consumer_dying_before_ack_hands_the_event_to_another_consumer(
    rabbit_harness: BusHarness, broker_link: BrokerLink
) -> None:
    stuck = Recorder(gate=asyncio.Event())
    first = await _bus_through(rabbit_harness, broker_link, "agenda", close_timeout=0.5)
    await first.subscribe(stuck.subscription("agenda"))
    producer = await rabbit_harness.bus("accounts")
    await producer.publish(pinged(1))
    await wait_until(lambda: len(stuck.seen) == 1, what="the first consumer to take it")
    assert stuck.seen[0].delivery.redelivered is False

    # A second replica of the same service competes on the same queue.
    replica = Recorder()
    second = await rabbit_harness.bus("agenda")
    await second.subscribe(replica.subscription("agenda"))
    broker_link.down()  # the first replica's process dies, its message unacked

    await wait_until(lambda: replica.seqs() == [1], what="the other replica to get it")
    assert replica.finished[0].delivery.redelivered is True
    assert stuck.finished == []


async def test_broker_closing_every_connection_mid_stream_loses_no_event(
    rabbit_harness: BusHarness,
) -> None:
    recorder = Recorder()
    consumer = await rabbit_harness.bus("agenda")
    await consumer.subscribe(recorder.subscription("agenda"))
    producer = await rabbit_harness.bus("accounts")
    assert rabbit_harness.settings.amqp_url is not None
    vhost = vhost_of(rabbit_harness.settings.amqp_url)

    published: list[int] = []
    closed = asyncio.Event()

    async def stream() -> None:
        # About 500 events, paced so that the broker's closing lands in the middle;
        # the stream goes on until it has.
        seq = 0
        while seq < 500 or not closed.is_set():
            await producer.publish(pinged(seq))
            published.append(seq)
            seq += 1
            await asyncio.sleep(0.004)

    streaming = asyncio.create_task(stream())
    await wait_until(lambda: len(recorder.finished) >= 100, what="the stream to flow")
    await rabbitmq_close_all_connections(vhost)
    closed.set()
    await streaming

    # aio-pika counts a reconnection once every channel is restored, which may come
    # after the first publish on a restored channel is confirmed.
    await wait_until(lambda: producer.state()["reconnects"] >= 1, what="producer restored")
    await wait_until(lambda: consumer.state()["reconnects"] >= 1, what="consumer restored")
    await wait_until(
        lambda: set(recorder.seqs()) >= set(published), within=60, what="every event handled"
    )
    await wait_until(
        lambda: producer.connected and consumer.connected, what="both buses connected again"
    )


async def test_state_says_disconnected_while_the_broker_is_unreachable_and_publish_waits(
    rabbit_harness: BusHarness, broker_link: BrokerLink
) -> None:
    recorder = Recorder()
    bus = await _bus_through(rabbit_harness, broker_link, "agenda", reconnect_interval=0.2)
    await bus.subscribe(recorder.subscription("agenda"))
    assert bus.state()["connected"] is True

    broker_link.down()
    await wait_until(lambda: bus.state()["connected"] is False, what="the bus to notice")
    publishing = asyncio.create_task(bus.publish(pinged(1)))
    refused = broker_link.refused
    await wait_until(lambda: broker_link.refused > refused, what="a failed reconnection")
    assert not publishing.done()
    assert bus.state()["connected"] is False

    broker_link.restore()
    await wait_until(lambda: bus.state()["connected"] is True, what="the bus to reconnect")
    await publishing
    await wait_until(lambda: recorder.seqs() == [1], what="the event published meanwhile")
    # Counted once every channel is restored, possibly after the event went through.
    await wait_until(lambda: bus.state()["reconnects"] >= 1, what="the bus restored")


async def test_publish_gives_up_with_bus_unavailable_after_its_deadline(
    rabbit_harness: BusHarness, broker_link: BrokerLink
) -> None:
    recorder = Recorder()
    bus = await _bus_through(rabbit_harness, broker_link, "agenda", publish_deadline=1.0)
    await bus.subscribe(recorder.subscription("agenda"))
    broker_link.down()

    with pytest.raises(BusUnavailableError):
        await bus.publish(pinged(1))
    assert bus.state()["connected"] is False


async def test_start_against_a_closed_port_fails_and_says_disconnected() -> None:
    port = free_port()
    settings = Settings(amqp_url=f"amqp://guest:guest@127.0.0.1:{port}/", bus_prefix="unused")
    bus = RabbitBus(settings, "agenda", publish_deadline=0.5)

    with pytest.raises(BusUnavailableError, match="unreachable"):
        await bus.start()
    state = bus.state()
    assert state["connected"] is False
    assert state["address"] == f"127.0.0.1:{port}"
    assert "guest" not in repr(state)


async def test_close_lets_the_running_handler_finish_and_acks_its_event(
    rabbit_harness: BusHarness,
) -> None:
    running = Recorder(gate=asyncio.Event())
    bus = await rabbit_harness.bus("agenda")
    await bus.subscribe(running.subscription("agenda"))
    await bus.publish(pinged(1))
    await wait_until(lambda: len(running.seen) == 1, what="the handler to start")

    closing = asyncio.create_task(bus.close())
    await wait_until(lambda: bus.state()["subscriptions"] == 0, what="consumers cancelled")
    assert not closing.done()
    assert running.gate is not None
    running.gate.set()
    await closing
    assert running.seqs() == [1]

    # Acked: a new replica gets only what is published after.
    later = Recorder()
    replica = await rabbit_harness.bus("agenda")
    await replica.subscribe(later.subscription("agenda"))
    await replica.publish(pinged(2))
    await wait_until(lambda: later.seqs() == [2], what="the next event")
    assert len(later.seen) == 1


async def test_message_that_kills_its_consumer_every_time_is_parked_by_the_broker(
    rabbit_harness: BusHarness, broker_link: BrokerLink
) -> None:
    # No retry delays: the delivery limit is 0 + 3, so the fourth crash parks it.
    rabbit_harness.configure(bus_retry_delays=[])
    crashes = Recorder(gate=asyncio.Event())
    subscription = crashes.subscription("agenda")
    bus = await _bus_through(
        rabbit_harness, broker_link, "agenda", reconnect_interval=0.1, close_timeout=0.5
    )
    await bus.subscribe(subscription)

    async def crash_on_each_delivery() -> None:
        crashed = 0
        while True:

            def delivered_again(seen: int = crashed) -> bool:
                return len(crashes.seen) > seen

            await wait_until(delivered_again, within=30, what="a delivery")
            crashed = len(crashes.seen)
            broker_link.down()
            broker_link.restore()

    # Published and inspected from a connection of its own, which the crashes spare.
    operator = await rabbit_harness.bus("operator")
    crashing = asyncio.create_task(crash_on_each_delivery())
    await operator.publish(pinged(66))
    try:
        parked: list[ParkedMessage] = []

        async def parked_once() -> bool:
            parked[:] = await operator.parked(subscription)
            return len(parked) == 1

        await wait_until(parked_once, within=30, what="the broker to park it")
    finally:
        crashing.cancel()
    assert "delivery_limit" in parked[0].reason
    assert json.loads(parked[0].body)["data"]["seq"] == 66
    assert len(crashes.seen) == 4


async def test_a_channel_the_broker_keeps_refusing_is_replaced_and_events_go_on(
    rabbit_harness: BusHarness, amqp_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # As after a node of a cluster is killed (tests/system/test_cluster_failover.py):
    # the broker refuses (nacks) every publish of the channel until it is replaced.
    recorder = Recorder()
    consumer = await rabbit_harness.bus("agenda")
    await consumer.subscribe(recorder.subscription("agenda"))
    producer = await rabbit_harness.bus("accounts")
    prefix = rabbit_harness.settings.bus_prefix
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        # A queue that takes nothing, next to the consumer's: every probe is refused.
        refusing = await channel.declare_queue(
            f"{prefix}.refuses-all",
            arguments={"x-max-length": 0, "x-overflow": "reject-publish"},
        )
        await refusing.bind(f"{prefix}.events", Pinged.type)
        with caplog.at_level(logging.WARNING, logger="shared.bus"):
            sending = asyncio.create_task(producer.publish_many([pinged(n) for n in range(10)]))
            await wait_until(
                lambda: "publishing on a new one" in caplog.text,
                within=30,
                what="the channel renewed",
            )
            await refusing.delete(if_unused=False, if_empty=False)
            outcomes = await sending
    assert outcomes == [None] * 10
    await producer.publish(pinged(10))
    # Each probe arrives; a refused one may have reached the consumer's queue as well
    # (at least once, as always: consumers are idempotent).
    await wait_until(lambda: set(recorder.seqs()) == set(range(11)), what="every probe handled")
    renewals = [r for r in caplog.records if "publishing on a new one" in r.getMessage()]
    assert len(renewals) == 1
    assert all(r.levelno == logging.WARNING for r in renewals)
