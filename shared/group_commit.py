"""Group commit: concurrent transactions of one process written as one.

Requests that arrive while a transaction is being written wait for it, then go
together in the next one (``shared.batches``): a burst costs a few commits instead of
one per request. On a real MongoDB this saves round trips; on the embedded store,
which runs transactions one after another, it is what lets a service keep up with a
burst at all.

A group runs its units one after another in one transaction, so each sees what the
earlier ones wrote, exactly as if they had run alone in that order. If the group
fails (a unit raised, a duplicate key, a conflict that outlived the retries of
``shared.mongo.in_transaction``), every unit of it runs again alone: only the one at
fault fails, with its own error. A unit may therefore run more than once, which any
transaction body must already allow (transient errors are retried): it only writes
through the session it is given.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.batches import Batches
from shared.mongo import Document, in_transaction
from shared.tracing import in_caller_context

T = TypeVar("T")
Unit = Callable[[AsyncClientSession], Awaitable[Any]]

# Units written by one transaction at most: bounds its size and its duration.
GROUP_LIMIT = 64


class GroupCommit:
    """Runs the transaction bodies handed to :meth:`run`, grouping concurrent ones."""

    def __init__(self, client: AsyncMongoClient[Document], *, limit: int = GROUP_LIMIT) -> None:
        self._client = client
        self._groups: Batches[Unit, Any] = Batches(self._write, limit=limit)

    async def run(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction (maybe shared); its result once committed.

        ``work`` must not itself wait for another transaction of this process.
        """
        # Written by whichever task leads the group: traced as the caller's own work.
        return cast(T, await self._groups.submit(in_caller_context(work)))

    async def _write(self, units: list[Unit]) -> list[Any]:
        async def body(session: AsyncClientSession) -> list[Any]:
            return [await unit(session) for unit in units]

        return await in_transaction(self._client, body)
