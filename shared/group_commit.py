"""Group commit: concurrent transactions of one process written as one.

Requests that arrive while a transaction is being written wait for it, then go
together in the next one: a burst costs a few commits instead of one per request.
On a real MongoDB this saves round trips; on the embedded store, which runs
transactions one after another, it is what lets a service keep up with a burst at
all (one post per transaction: about 70 per second; grouped: several hundred).

A group runs its units one after another in one transaction, so each sees what the
earlier ones wrote, exactly as if they had run alone in that order. If the group
fails (a unit raised, a duplicate key, a conflict that outlived the driver's
retries), every unit of it runs again alone: only the one at fault fails, with its
own error. A unit may therefore run more than once, which any transaction body must
already allow (the driver retries transient errors): it only writes through the
session it is given.

When nothing is being written a unit starts at once: no added latency when idle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.mongo import Document, in_transaction

T = TypeVar("T")

# Units written by one transaction at most: bounds its size and its duration.
GROUP_LIMIT = 64


@dataclass
class _Unit(Generic[T]):
    work: Callable[[AsyncClientSession], Awaitable[T]]
    outcome: asyncio.Future[T] = field(
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


class GroupCommit:
    """Runs the transaction bodies handed to :meth:`run`, grouping concurrent ones."""

    def __init__(self, client: AsyncMongoClient[Document], *, limit: int = GROUP_LIMIT) -> None:
        self._client = client
        self._limit = limit
        self._waiting: list[_Unit[Any]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction (maybe shared); its result once committed.

        ``work`` must not itself wait for another transaction of this process.
        """
        unit: _Unit[T] = _Unit(work)
        self._waiting.append(unit)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_groups(), name="group-commit")
        # The caller going away (a client hanging up) does not cancel the others' commit.
        return await asyncio.shield(unit.outcome)

    async def _write_groups(self) -> None:
        group: list[_Unit[Any]] = []
        try:
            while self._waiting:
                group = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                if len(group) == 1:
                    await self._alone(group[0])
                else:
                    await self._together(group)
        except BaseException as error:  # stopping: nobody may wait forever
            for unit in [*group, *self._waiting]:
                unit.settle(None, error)
            self._waiting.clear()
            raise
        finally:
            self._writer = None

    async def _together(self, group: list[_Unit[Any]]) -> None:
        async def body(session: AsyncClientSession) -> list[Any]:
            return [await unit.work(session) for unit in group]

        try:
            results = await in_transaction(self._client, body)
        except Exception:
            for unit in group:
                await self._alone(unit)
            return
        for unit, result in zip(group, results, strict=True):
            unit.settle(result)

    async def _alone(self, unit: _Unit[Any]) -> None:
        try:
            result = await in_transaction(self._client, unit.work)
        except Exception as error:
            unit.settle(None, error)
        else:
            unit.settle(result)
