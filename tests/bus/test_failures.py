"""Failing handlers and unreadable messages, on both buses: retried, parked, never blocking."""

from __future__ import annotations

import json
import logging

import pytest

from shared.bus import Delivery, ParkedMessage
from tests.bus.probes import Pinged, Recorder, pinged
from tests.fixtures.rabbit import BusHarness, wait_until

POISON = 13
CLOCK_SLACK = 0.05


def is_poison(delivery: Delivery) -> bool:
    """The probe that no handler can ever process."""
    return isinstance(delivery.event, Pinged) and delivery.event.seq == POISON


async def test_handler_that_raises_is_retried_later_and_later_then_parked(
    bus_harness: BusHarness,
) -> None:
    bus_harness.configure(bus_retry_delays=[0.3, 0.8])
    recorder = Recorder(fail_when=is_poison)
    bus = await bus_harness.bus("agenda")
    subscription = recorder.subscription("agenda")
    await bus.subscribe(subscription)

    await bus.publish(pinged(POISON))

    parked: list[ParkedMessage] = []

    async def parked_once() -> bool:
        parked[:] = await bus.parked(subscription)
        return len(parked) == 1

    await wait_until(parked_once, what="the poison message parked")
    calls = recorder.calls_for(POISON)
    assert [call.delivery.attempt for call in calls] == [1, 2, 3]
    first_gap, second_gap = calls[1].at - calls[0].at, calls[2].at - calls[1].at
    # The broker's expiry timer and this process's clock differ by a few milliseconds.
    assert first_gap >= 0.3 - CLOCK_SLACK
    assert second_gap >= 0.8 - CLOCK_SLACK
    assert second_gap > first_gap
    assert "handler failed 3 times" in parked[0].reason
    assert "RuntimeError: handler refused event" in parked[0].reason
    assert json.loads(parked[0].body)["data"]["seq"] == POISON
    assert recorder.finished == []


async def test_poison_message_never_blocks_the_messages_behind_it(
    bus_harness: BusHarness,
) -> None:
    bus_harness.configure(bus_retry_delays=[0.5, 0.5])
    recorder = Recorder(fail_when=is_poison)
    bus = await bus_harness.bus("agenda")
    subscription = recorder.subscription("agenda")
    await bus.subscribe(subscription)

    await bus.publish(pinged(POISON))
    for seq in range(10):
        await bus.publish(pinged(seq))

    await wait_until(lambda: len(recorder.finished) == 10, what="the healthy events")
    # All of them went through while the poison message waited for its retry.
    assert len(recorder.calls_for(POISON)) == 1
    await wait_until(
        lambda: len(recorder.calls_for(POISON)) == 3, what="the poison message's retries"
    )

    await bus.publish(pinged(100))
    await wait_until(lambda: 100 in recorder.seqs(), what="an event after the parking")


async def test_handler_that_recovers_handles_the_event_on_a_later_attempt(
    bus_harness: BusHarness,
) -> None:
    recorder = Recorder(fail_when=lambda delivery: delivery.attempt == 1)
    bus = await bus_harness.bus("agenda")
    subscription = recorder.subscription("agenda")
    await bus.subscribe(subscription)

    await bus.publish(pinged(5))

    await wait_until(lambda: recorder.seqs() == [5], what="the second attempt")
    assert recorder.finished[0].delivery.attempt == 2
    assert await bus.parked(subscription) == []


async def test_a_parked_message_replayed_is_handled_again_and_a_discarded_one_is_gone(
    bus_harness: BusHarness,
) -> None:
    bus_harness.configure(bus_retry_delays=[0.05])
    failing = [True]
    recorder = Recorder(fail_when=lambda delivery: failing[0])
    bus = await bus_harness.bus("agenda")
    subscription = recorder.subscription("agenda")
    await bus.subscribe(subscription)
    await bus.publish(pinged(1))
    await bus.publish(pinged(2))

    parked: list[ParkedMessage] = []

    async def both_parked() -> bool:
        parked[:] = await bus.parked(subscription)
        return len(parked) == 2

    await wait_until(both_parked, what="both probes parked")
    by_seq = {json.loads(message.body)["data"]["seq"]: message for message in parked}

    failing[0] = False  # the cause is fixed
    replayed = await bus.take_parked(subscription, by_seq[1].key, replay=True)
    discarded = await bus.take_parked(subscription, by_seq[2].key, replay=False)
    await wait_until(lambda: recorder.seqs() == [1], what="the replayed probe handled")

    assert replayed is not None
    assert replayed.body == by_seq[1].body
    assert discarded is not None
    assert discarded.body == by_seq[2].body
    assert await bus.parked(subscription) == []
    assert await bus.take_parked(subscription, by_seq[2].key, replay=True) is None
    # The replay is a fresh round of attempts, seen by this subscription only.
    assert recorder.finished[0].delivery.attempt == 1


def _envelope(type_: str, data: object) -> bytes:
    return json.dumps(
        {
            "id": "0b5d7c7e-2f0e-4d8e-9a51-2d0f3c5c6a11",
            "type": type_,
            "version": 1,
            "occurred_at": "2026-11-30T10:00:00Z",
            "producer": "a-broken-producer",
            "data": data,
        }
    ).encode()


SECRET = "https://prochorientation.example/activer?token=SECRET-TOKEN-123"

UNREADABLE = {
    "not json": (b"\x00not json at all " + SECRET.encode(), "not an event envelope"),
    "unknown type": (_envelope("tests.probe.unknown", {"seq": 1}), "unknown event type"),
    "data not matching the model": (
        _envelope(Pinged.type, {"seq": SECRET}),
        "data does not match the model: seq: int_parsing",
    ),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
async def test_unreadable_message_is_parked_at_once_and_consumer_goes_on(
    bus_harness: BusHarness, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, reason = UNREADABLE[case]
    recorder = Recorder()
    bus = await bus_harness.bus("agenda")
    subscription = recorder.subscription("agenda")
    await bus.subscribe(subscription)

    parked: list[ParkedMessage] = []

    async def parked_once() -> bool:
        parked[:] = await bus.parked(subscription)
        return len(parked) == 1

    with caplog.at_level(logging.DEBUG, logger="shared.bus"):
        await bus_harness.inject(Pinged.type, body)
        await bus.publish(pinged(1))
        await wait_until(lambda: recorder.seqs() == [1], what="the next event")
        await wait_until(parked_once, what="the unreadable message parked")

    assert parked[0].body == body
    assert reason in parked[0].reason
    assert [record.seq for record in recorder.seen] == [1]
    # One line for the operator, and never the content (it may hold a secret link).
    lines = [record for record in caplog.records if record.name == "shared.bus"]
    assert [record.getMessage() for record in lines] == ["unreadable message parked"]
    assert "SECRET-TOKEN" not in repr(lines[0].__dict__)
