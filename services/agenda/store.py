"""Agenda's MongoDB collections and their indexes."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, IndexSpec

AMBASSADORS = "ambassadors"

INDEXES = [
    IndexSpec(AMBASSADORS, [("zone.departments", 1), ("solicitable", 1)], name="by_department"),
]


class AmbassadorCopies:
    """Agenda's own copy of the public ambassador fields accounts publishes."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._collection = db[AMBASSADORS]

    async def replace_if_newer(
        self, ambassador_id: str, revision: int, fields: dict[str, Any], session: AsyncClientSession
    ) -> None:
        """Keep the newest revision: events may arrive out of order or twice."""
        current = await self._collection.find_one(
            {"_id": ambassador_id}, {"revision": 1}, session=session
        )
        if current is not None and current["revision"] >= revision:
            return
        await self._collection.replace_one(
            {"_id": ambassador_id},
            {**fields, "revision": revision},
            upsert=True,
            session=session,
        )

    async def get(self, ambassador_id: str) -> Document | None:
        """The copy of one ambassador, if known."""
        return await self._collection.find_one({"_id": ambassador_id})
