"""The ``sessions`` collection: refresh-token families, one per signed-in device."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from services.accounts.store.collection import Collection, Session
from shared.mongo import Document


class Sessions(Collection):
    """Signed-in sessions and the rotation of their refresh tokens."""

    async def open(self, row: Document) -> None:
        """A new session."""
        await self._rows.insert_one(row)

    async def by_id(self, session_id: str, fields: dict[str, Any] | None = None) -> Document | None:
        """One session, or None."""
        return await self._rows.find_one({"_id": session_id}, fields)

    async def of_user(self, user_id: str) -> list[Document]:
        """Every session of a user (for their export)."""
        return await self._rows.find({"user_id": user_id}).to_list()

    async def rotate(
        self, session_id: str, presented_hash: str, new_hash: str, now: datetime
    ) -> Document | None:
        """Swap the session's current refresh hash for a new one if ``presented_hash`` is it."""
        return await self._rows.find_one_and_update(
            {
                "_id": session_id,
                "refresh_hash": presented_hash,
                "revoked_at": None,
                "expires_at": {"$gt": now},
            },
            {
                "$set": {"refresh_hash": new_hash, "last_used_at": now},
                "$push": {"used_hashes": {"$each": [presented_hash], "$slice": -50}},
            },
            return_document=ReturnDocument.AFTER,
        )

    async def revoke_all(
        self,
        user_id: str,
        now: datetime,
        session: Session,
        *,
        except_session: str | None = None,
    ) -> None:
        """End every live session of a user (but ``except_session``)."""
        query: dict[str, Any] = {"user_id": user_id, "revoked_at": None}
        if except_session is not None:
            query["_id"] = {"$ne": except_session}
        await self._rows.update_many(query, {"$set": {"revoked_at": now}}, session=session)

    async def revoke(
        self, session_id: str, now: datetime, session: Session = None, *, reason: str | None = None
    ) -> bool:
        """End one session; whether it was still live."""
        fields: dict[str, Any] = {"revoked_at": now}
        if reason is not None:
            fields["revoked_reason"] = reason
        ended = await self._rows.update_one(
            {"_id": session_id, "revoked_at": None}, {"$set": fields}, session=session
        )
        return bool(ended.modified_count)

    async def forget_user(self, user_id: str, session: Session) -> None:
        """Remove every session of a person."""
        await self._rows.delete_many({"user_id": user_id}, session=session)
