"""The ``calendar_tokens`` collection: each ambassador's private calendar address, kept
as the hash of its key."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from shared.mongo import Document

Session = AsyncClientSession | None


class CalendarLinks:
    """One link per ambassador: a new one replaces the previous one."""

    def __init__(self, rows: AsyncCollection[Document]) -> None:
        self._rows = rows

    async def issue(self, user_id: str, token_hash: str, now: datetime) -> None:
        """Keep the new key's hash: the previous key stops working."""
        await self._rows.replace_one(
            {"_id": user_id},
            {"_id": user_id, "token_hash": token_hash, "created_at": now},
            upsert=True,
        )

    async def of_user(self, user_id: str, session: Session = None) -> Document | None:
        """The person's link, if they have one."""
        return await self._rows.find_one({"_id": user_id}, session=session)

    async def owner_of(self, token_hash: str) -> str | None:
        """Whose link has this key's hash, if anyone's."""
        found = await self._rows.find_one({"token_hash": token_hash})
        return found["_id"] if found else None

    async def revoke(self, user_id: str, session: Session = None) -> None:
        """The person's link stops working (no error if there was none)."""
        await self._rows.delete_many({"_id": user_id}, session=session)
