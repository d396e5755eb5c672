"""Batching: items that arrive together are written together, each with its own fate."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from shared.batches import Batches


class Recorder:
    """A write that records each batch it is given; an item "bad" fails its batch."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def write(self, items: list[str]) -> list[str]:
        self.batches.append(list(items))
        if "bad" in items:
            raise ValueError("bad item")
        return [item.upper() for item in items]


async def _submit_later(batches: Batches[str, str], item: str, delay: float) -> str:
    await asyncio.sleep(delay)
    return await batches.submit(item)


async def test_items_arriving_a_little_apart_wait_for_one_batch_with_a_linger() -> None:
    recorder = Recorder()
    batches = Batches(recorder.write, limit=10, linger_seconds=0.5)

    results = await asyncio.gather(
        batches.submit("a"), _submit_later(batches, "b", 0.01), _submit_later(batches, "c", 0.02)
    )

    assert list(results) == ["A", "B", "C"]
    assert recorder.batches == [["a", "b", "c"]]


async def test_without_a_linger_the_first_item_goes_at_once() -> None:
    recorder = Recorder()
    batches = Batches(recorder.write, limit=10)

    results = await asyncio.gather(batches.submit("a"), _submit_later(batches, "b", 0.05))

    assert list(results) == ["A", "B"]
    assert recorder.batches == [["a"], ["b"]]


async def test_a_failed_batch_is_written_again_item_by_item_and_only_the_bad_one_fails() -> None:
    recorder = Recorder()
    batches = Batches(recorder.write, limit=10, linger_seconds=0.2)

    results = await asyncio.gather(
        batches.submit("a"), batches.submit("bad"), batches.submit("c"), return_exceptions=True
    )

    assert (results[0], results[2]) == ("A", "C")
    assert isinstance(results[1], ValueError)
    assert recorder.batches == [["a", "bad", "c"], ["a"], ["bad"], ["c"]]


async def test_batches_hold_at_most_their_limit() -> None:
    recorder = Recorder()
    batches = Batches(recorder.write, limit=2, linger_seconds=0.2)

    await asyncio.gather(*(batches.submit(item) for item in "abcde"))

    assert recorder.batches == [["a", "b"], ["c", "d"], ["e"]]


@pytest.mark.parametrize("linger", [0.0, 0.2])
async def test_a_caller_going_away_does_not_cancel_the_others_write(linger: float) -> None:
    recorder = Recorder()
    batches = Batches(recorder.write, limit=10, linger_seconds=linger)
    leaving = asyncio.create_task(batches.submit("a"))
    staying = asyncio.create_task(batches.submit("b"))
    await asyncio.sleep(0)
    leaving.cancel()

    assert await staying == "B"
    assert ["a", "b"] in recorder.batches


async def test_a_caller_gone_before_its_item_fails_leaves_no_error_unretrieved() -> None:
    """Stopping a service cancels its callers while their batch is still written: a
    failure then must not be logged as an error nobody retrieved."""
    reported: list[BaseException] = []

    def report(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # Only this test's item: the loop is shared with the session's other tests.
        if str(context.get("exception")) == "bad item":
            reported.append(context["exception"])

    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()
    loop.set_exception_handler(report)
    try:
        recorder = Recorder()
        batches = Batches(recorder.write, limit=10, linger_seconds=0.05)
        leaving = asyncio.create_task(batches.submit("bad"))
        await asyncio.sleep(0)
        leaving.cancel()
        await asyncio.sleep(0.1)

        assert recorder.batches == [["bad"]]
        del leaving, batches
        gc.collect()
    finally:
        loop.set_exception_handler(handler)
    assert reported == []
