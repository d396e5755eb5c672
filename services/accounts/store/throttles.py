"""The ``throttles`` collection: rate-limit counters, one per key and window."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.accounts.store.collection import Collection


class Throttles(Collection):
    """Counters of attempts per window (sign-ins, sign-ups, emailed links)."""

    async def count(self, key: str, *, expires_at: datetime, increment: int = 1) -> int:
        """Add ``increment`` to a window's counter and return its new value (atomic)."""
        row = await self._rows.find_one_and_update(
            {"_id": key},
            {"$inc": {"count": increment}, "$setOnInsert": {"expires_at": expires_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(row["count"]) if row else increment

    async def reserve(self, key: str, *, limit: int, expires_at: datetime) -> int | None:
        """Take one of ``limit`` attempts under ``key``: the new count, or None if none is left.

        The check and the count are one conditional update, so concurrent attempts on
        any replica never take more than ``limit`` between them.
        """
        with contextlib.suppress(DuplicateKeyError):  # a concurrent attempt created it
            await self._rows.update_one(
                {"_id": key},
                {"$setOnInsert": {"count": 0, "expires_at": expires_at}},
                upsert=True,
            )
        row = await self._rows.find_one_and_update(
            {"_id": key, "count": {"$lt": limit}},
            {"$inc": {"count": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return None if row is None else int(row["count"])

    async def counts(self, keys: Sequence[str]) -> dict[str, int]:
        """Current values of several counters (absent ones are zero)."""
        found = {
            row["_id"]: int(row.get("count", 0))
            async for row in self._rows.find({"_id": {"$in": list(keys)}})
        }
        return {key: found.get(key, 0) for key in keys}

    async def give_back(self, key: str) -> None:
        """Return one reserved attempt."""
        await self._rows.update_one({"_id": key}, {"$inc": {"count": -1}})

    async def forget(self, key: str) -> None:
        """Drop a counter."""
        await self._rows.delete_one({"_id": key})

    async def forget_prefixed(self, prefix: str) -> None:
        """Drop every counter whose key starts with ``prefix``."""
        await self._rows.delete_many({"_id": {"$regex": f"^{re.escape(prefix)}"}})
