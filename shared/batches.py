"""Batching of concurrent requests: those that arrive while a batch is being written
wait for it, then go together in the next one.

When nothing is being written a request starts at once: no added latency when idle.
A batch whose write fails is written again request by request, so only the one at
fault fails, with its own error; a request may therefore be written twice, and its
write must allow it (it runs in a transaction that was rolled back the first time).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Pending(Generic[Item, Result]):
    item: Item
    outcome: asyncio.Future[Result] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def settle(self, result: Any, error: BaseException | None = None) -> None:
        if self.outcome.done():
            return
        if isinstance(error, asyncio.CancelledError):
            self.outcome.cancel()
        elif error is not None:
            self.outcome.set_exception(error)
        else:
            self.outcome.set_result(result)


def _read_outcome(outcome: asyncio.Future[Any]) -> None:
    if not outcome.cancelled():
        outcome.exception()


class Batches(Generic[Item, Result]):
    """Hands the items given to :meth:`submit` to ``write`` in batches of at most
    ``limit``, in the order they came; ``write`` returns one result per item.

    ``linger_seconds`` delays the first batch after an idle spell, for items known to
    arrive a few milliseconds apart (messages a broker sends as acks free their slots).
    """

    def __init__(
        self,
        write: Callable[[list[Item]], Awaitable[list[Result]]],
        *,
        limit: int,
        linger_seconds: float = 0.0,
    ) -> None:
        self._write = write
        self._limit = limit
        self._linger_seconds = linger_seconds
        self._waiting: list[_Pending[Item, Result]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """``item``'s result once its batch is written (its own error if it failed)."""
        pending: _Pending[Item, Result] = _Pending(item)
        self._waiting.append(pending)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_batches(), name="batches")
        # The caller going away (a client hanging up) does not cancel the others' write.
        try:
            return await asyncio.shield(pending.outcome)
        except asyncio.CancelledError:
            # Its item is still written; nobody is left to read how that went, so its
            # outcome is read here rather than logged as an error nobody retrieved.
            pending.outcome.add_done_callback(_read_outcome)
            raise

    async def _write_batches(self) -> None:
        batch: list[_Pending[Item, Result]] = []
        try:
            if self._linger_seconds:
                await asyncio.sleep(self._linger_seconds)
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                if len(batch) == 1:
                    await self._alone(batch[0])
                else:
                    await self._together(batch)
        except BaseException as error:  # stopping: nobody may wait forever
            for pending in [*batch, *self._waiting]:
                pending.settle(None, error)
            self._waiting.clear()
            raise
        finally:
            self._writer = None

    async def _together(self, batch: list[_Pending[Item, Result]]) -> None:
        try:
            results = await self._write([pending.item for pending in batch])
        except Exception:
            for pending in batch:
                await self._alone(pending)
            return
        for pending, result in zip(batch, results, strict=True):
            pending.settle(result)

    async def _alone(self, pending: _Pending[Item, Result]) -> None:
        try:
            [result] = await self._write([pending.item])
        except Exception as error:
            pending.settle(None, error)
        else:
            pending.settle(result)
