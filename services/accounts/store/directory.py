"""The directory: ``directory`` (listed ambassadors and their search keys),
``directory_terms`` (document frequency of each key) and the listing's state in ``meta``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from services.accounts.domain.search import SLICES, SearchPlan
from services.accounts.store.collection import Session
from shared.mongo import Document

_STATE_ID = "directory"


class Directory:
    """Listed ambassadors, their search keys and the keys' frequencies."""

    def __init__(
        self,
        rows: AsyncCollection[Document],
        terms: AsyncCollection[Document],
        meta: AsyncCollection[Document],
    ) -> None:
        self._rows = rows
        self._terms = terms
        self._meta = meta

    async def listed(
        self, ambassador_id: str, fields: Mapping[str, Any] | None = None, session: Session = None
    ) -> Document | None:
        """The listing of an ambassador, or None when not listed."""
        return await self._rows.find_one({"_id": ambassador_id}, fields, session=session)

    async def put(self, document: Document, session: Session) -> None:
        """List (or list again) an ambassador."""
        await self._rows.replace_one(
            {"_id": document["_id"]}, document, upsert=True, session=session
        )

    async def remove(self, ambassador_id: str, session: Session) -> Document | None:
        """Unlist an ambassador: the listing removed, or None."""
        return await self._rows.find_one_and_delete({"_id": ambassador_id}, session=session)

    async def state(self) -> Document | None:
        """What the directory was last listed under (rule and listing version)."""
        return await self._meta.find_one({"_id": _STATE_ID})

    async def save_state(self, **state: Any) -> None:
        """Remember what the directory is now listed under."""
        await self._meta.replace_one({"_id": _STATE_ID}, {"_id": _STATE_ID, **state}, upsert=True)

    async def frequencies(self, keys: Sequence[str]) -> dict[str, int]:
        """How many listed profiles hold each key."""
        return {
            row["_id"]: int(row.get("df", 0))
            async for row in self._terms.find({"_id": {"$in": list(keys)}})
        }

    async def apply_frequency_changes(self, changes: Mapping[str, int]) -> None:
        """Add the given deltas to the document frequencies.

        Done after the listing's transaction commits, not inside it: every listing
        touches the same few counters (``*``, departments), which would make
        concurrent transactions conflict. They only steer the query plan, so a count
        off by one after a crash changes speed, never results.
        """
        operations = [
            UpdateOne({"_id": key}, {"$inc": {"df": delta}}, upsert=True)
            for key, delta in changes.items()
            if delta
        ]
        if operations:
            await self._terms.bulk_write(operations, ordered=False)

    async def rebuild_frequencies(self) -> int:
        """Recount every key's document frequency from the directory; returns the key count."""
        counts: dict[str, int] = {}
        async for row in self._rows.find({}, {"keys": 1}):
            for key in set(row.get("keys", [])):
                counts[key] = counts.get(key, 0) + 1
        await self._terms.delete_many({})
        rows = [{"_id": key, "df": count} for key, count in counts.items()]
        for start in range(0, len(rows), 1000):
            await self._terms.insert_many(rows[start : start + 1000])
        return len(rows)

    async def search(
        self,
        plan: SearchPlan,
        *,
        limit: int,
        after: tuple[int, str] | None,
        projection: Mapping[str, Any],
    ) -> list[Document]:
        """Up to ``limit`` listed profiles matching the plan, in (slice, id) order after ``after``.

        Walks the lead key's index entries ``plan.slices_per_round`` slices at a time,
        widening the rounds after one that finds too little, until the page is full.
        """
        if plan.empty:
            return []
        found: list[Document] = []
        start, after_id = (after[0], after[1]) if after else (0, None)
        width = plan.slices_per_round
        while len(found) < limit and start < SLICES:
            end = min(SLICES, start + width)
            narrowing: dict[str, Any] = {}
            if plan.others:
                narrowing["keys"] = {"$all": list(plan.others)}
            if after_id is not None:
                narrowing["$or"] = [
                    {"slice": {"$gt": start}},
                    {"slice": start, "_id": {"$gt": after_id}},
                ]
            pipeline: list[dict[str, Any]] = [
                {"$match": {"keys": plan.lead, "slice": {"$gte": start, "$lt": end}}},
            ]
            if narrowing:
                pipeline.append({"$match": narrowing})
            pipeline += [
                {"$sort": {"slice": 1, "_id": 1}},
                {"$limit": limit - len(found)},
                {"$project": dict(projection)},
            ]
            cursor = await self._rows.aggregate(pipeline)
            batch = await cursor.to_list()
            found.extend(batch)
            missing = limit - len(found)
            if missing > 0:
                # The other keys are rarer among these candidates than planned: size the
                # next round from this one's yield, to find twice what is still missing
                # (four times the slices when it found nothing). Rounds never narrow.
                read = end - start
                grown = -(-read * missing * 2 // len(batch)) if batch else read * 4
                width = max(width, grown)
            start, after_id = end, None
        return found
