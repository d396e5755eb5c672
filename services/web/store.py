"""The site's own database: browser sessions, the one thing the APIs do not hold.

A browser keeps only a random identifier in its cookie; the row here is found by that
identifier's SHA-256, so a leaked database opens no browser's session. A row holds the
person's access and refresh tokens (they never reach the browser), a sign-up in
progress and the messages waiting to be shown. Expiry is checked in code; the TTL
index only cleans up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, IndexSpec

INDEXES = [
    IndexSpec("sessions", [("expires_at", 1)], name="expired_cleanup", expire_after_seconds=3_600),
]


class SessionStore:
    """The one door to the ``sessions`` collection."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._sessions = db["sessions"]

    async def find(self, key: str, now: datetime) -> Document | None:
        """The live session stored under ``key`` (None when unknown or over)."""
        row = await self._sessions.find_one({"_id": key})
        if row is None or row["expires_at"] <= now:
            return None
        return row

    async def save(self, row: Document) -> None:
        """Create or replace a session row."""
        await self._sessions.replace_one({"_id": row["_id"]}, row, upsert=True)

    async def update(self, key: str, changes: dict[str, Any]) -> None:
        """Set fields of a session row."""
        await self._sessions.update_one({"_id": key}, {"$set": changes})

    async def delete(self, key: str) -> None:
        """End a session: its row goes."""
        await self._sessions.delete_one({"_id": key})

    async def take_flash(self, key: str) -> list[Document]:
        """The messages waiting to be shown, removed as they are read."""
        row = await self._sessions.find_one_and_update(
            {"_id": key, "flash.0": {"$exists": True}},
            {"$set": {"flash": []}},
            projection={"flash": 1},
        )
        return list(row["flash"]) if row else []

    async def push_flash(self, key: str, message: Document) -> None:
        """Keep a message to show on the next page."""
        await self._sessions.update_one({"_id": key}, {"$push": {"flash": message}})

    async def claim_refresh(
        self, key: str, refresh_token: str, now: datetime, hold: timedelta
    ) -> bool:
        """Reserve the right to rotate ``refresh_token`` for ``hold`` (one request at a time).

        A refresh token is single-use at accounts, and reusing one ends the session: of
        the browser's requests that find the access token stale at once (several tabs,
        several replicas of the site), only the one holding the claim rotates it.
        """
        claimed = await self._sessions.find_one_and_update(
            {
                "_id": key,
                "tokens.refresh": refresh_token,
                "refreshing_until": {"$not": {"$gt": now}},
            },
            {"$set": {"refreshing_until": now + hold}},
            projection={"_id": 1},
            return_document=ReturnDocument.AFTER,
        )
        return claimed is not None

    async def store_tokens(self, key: str, tokens: Document, expires_at: datetime) -> None:
        """Keep the rotated tokens and release the claim."""
        await self._sessions.update_one(
            {"_id": key},
            {"$set": {"tokens": tokens, "expires_at": expires_at, "refreshing_until": None}},
        )
