"""What every service relies on, on both buses: events reach their subscribers."""

from __future__ import annotations

import asyncio

import pytest

from shared.bus import UnroutableEventError
from shared.events import Envelope
from tests.bus.probes import Pinged, Recorder, Unheard, pinged
from tests.fixtures.rabbit import BusHarness, wait_until


async def test_event_reaches_every_subscribed_service_once(bus_harness: BusHarness) -> None:
    agenda, notifier = Recorder(), Recorder()
    await (await bus_harness.bus("agenda")).subscribe(agenda.subscription("agenda"))
    await (await bus_harness.bus("notifier")).subscribe(notifier.subscription("notifier"))
    producer = await bus_harness.bus("accounts")

    for seq in range(5):
        await producer.publish(pinged(seq))
    # A last event behind the others: once it is in, a duplicate would be too.
    await producer.publish(pinged(99))
    await wait_until(lambda: 99 in agenda.seqs() and 99 in notifier.seqs(), what="both services")

    for recorder in (agenda, notifier):
        assert sorted(recorder.seqs()) == [0, 1, 2, 3, 4, 99]
        assert all(record.delivery.attempt == 1 for record in recorder.seen)


async def test_handler_receives_the_envelope_and_typed_event(bus_harness: BusHarness) -> None:
    recorder = Recorder()
    bus = await bus_harness.bus("agenda")
    await bus.subscribe(recorder.subscription("agenda"))
    sent = Envelope.wrap(
        pinged(7, note="hello").open(Pinged), producer="accounts", correlation_id="req-42"
    )

    await bus.publish(sent)
    await wait_until(lambda: bool(recorder.finished), what="the delivery")

    delivery = recorder.finished[0].delivery
    assert delivery.envelope == sent
    assert delivery.event == sent.open(Pinged)
    assert delivery.redelivered is False


async def test_publishing_a_type_nobody_consumes_is_refused(bus_harness: BusHarness) -> None:
    recorder = Recorder()
    bus = await bus_harness.bus("agenda")
    await bus.subscribe(recorder.subscription("agenda"))

    with pytest.raises(UnroutableEventError):
        await bus.publish(Envelope.wrap(Unheard(), producer="tests"))

    # The refusal leaves the bus usable.
    await bus.publish(pinged(1))
    await wait_until(lambda: recorder.seqs() == [1], what="the next event")


async def test_publish_many_reports_each_event(bus_harness: BusHarness) -> None:
    recorder = Recorder()
    bus = await bus_harness.bus("agenda")
    await bus.subscribe(recorder.subscription("agenda"))

    results = await bus.publish_many(
        [pinged(1), Envelope.wrap(Unheard(), producer="tests"), pinged(2)]
    )

    assert results[0] is None
    assert results[2] is None
    assert isinstance(results[1], UnroutableEventError)
    await wait_until(lambda: sorted(recorder.seqs()) == [1, 2], what="the routable events")


async def test_a_subscription_handles_at_most_prefetch_events_at_once(
    bus_harness: BusHarness,
) -> None:
    bus_harness.configure(bus_prefetch=3)
    recorder = Recorder(gate=asyncio.Event())
    bus = await bus_harness.bus("agenda")
    await bus.subscribe(recorder.subscription("agenda"))

    for seq in range(6):
        await bus.publish(pinged(seq))
    await wait_until(lambda: len(recorder.seen) == 3, what="three handlers running")
    assert bus.state()["in_flight"] == 3
    assert len(recorder.seen) == 3

    assert recorder.gate is not None
    recorder.gate.set()
    await wait_until(lambda: len(recorder.finished) == 6, what="all six events")


async def test_state_says_connected_until_closed_without_credentials(
    bus_harness: BusHarness,
) -> None:
    bus = await bus_harness.bus("agenda")

    state = bus.state()
    assert state["connected"] is True
    assert state["broker"] == bus_harness.kind
    assert "guest" not in repr(state)

    await bus.close()
    assert bus.state()["connected"] is False
