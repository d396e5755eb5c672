"""Idempotent consumers: an event handled twice has one effect.

The handler's database effect and the record that the event was handled are written
in one transaction, so a redelivery after a crash either finds the record (and does
nothing) or finds nothing done (and does everything).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import UTC, datetime

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.mongo import Document, IndexSpec, in_transaction

COLLECTION = "handled_events"
# What handling an event writes, through the session of the transaction that also
# records the event as handled.
TransactionEffect = Callable[[AsyncClientSession], Awaitable[None]]
# Redeliveries happen within minutes; a month of memory is ample.
RETENTION_SECONDS = 30 * 86_400

HANDLED_EVENTS_INDEXES = [
    IndexSpec(
        COLLECTION, [("handled_at", 1)], name="handled_ttl", expire_after_seconds=RETENTION_SECONDS
    ),
]


def handled_key(handler: str, event_id: object) -> str:
    """The record id saying ``handler`` handled ``event_id`` (for batched consumers too)."""
    return f"{handler}:{event_id}"


class HandledEvents:
    """The record of which (handler, event) pairs already took effect."""

    def __init__(self, client: AsyncMongoClient[Document], db: AsyncDatabase[Document]) -> None:
        self._client = client
        self._collection = db[COLLECTION]

    async def once(self, handler: str, event_id: object, effect: TransactionEffect) -> bool:
        """Run ``effect`` unless ``handler`` already handled ``event_id``.

        Returns whether the effect ran now. ``effect`` gets the transaction's session
        and must do all its writes through it (it may run again if the transaction
        is retried).
        """
        key = handled_key(handler, event_id)

        async def work(session: AsyncClientSession) -> None:
            # A failed write aborts the transaction: let the duplicate key escape it.
            await self._collection.insert_one(
                {"_id": key, "handled_at": datetime.now(UTC)}, session=session
            )
            await effect(session)

        try:
            await in_transaction(self._client, work)
        except DuplicateKeyError:
            # Handled before, or a concurrent delivery of the same event committed first.
            return False
        return True

    async def rename(self, old: str, new: str) -> int:
        """Move the records of handler ``old`` to the name ``new``; how many moved.

        For a handler whose name changes: the events it handled stay handled.
        Idempotent (a record already moved is skipped), so a migration may run it again.
        """
        # Every id of ``old`` starts with "old:"; ";" is the character after ":".
        of_old = {"_id": {"$gte": f"{old}:", "$lt": f"{old};"}}
        moved = 0
        async for record in self._collection.find(of_old):
            event_id = record["_id"][len(old) + 1 :]
            # Already there when an earlier run stopped before deleting the old record.
            with suppress(DuplicateKeyError):
                await self._collection.insert_one({**record, "_id": handled_key(new, event_id)})
            await self._collection.delete_one({"_id": record["_id"]})
            moved += 1
        return moved

    async def seen(self, handler: str, event_id: object) -> bool:
        """Whether ``handler`` already handled ``event_id``."""
        return await self._collection.find_one({"_id": handled_key(handler, event_id)}) is not None
