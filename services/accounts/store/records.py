"""``record_documents``: criminal-record extracts awaiting a referent's decision, deleted
at the decision (only its outcome is kept, on the user)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from bson import Binary

from services.accounts.store.collection import Collection, Session
from shared.mongo import Document


class RecordDocuments(Collection):
    """The extracts themselves, one per ambassador at most (keyed by their id)."""

    async def put(
        self, ambassador_id: str, content: bytes, uploaded_at: datetime, session: Session
    ) -> None:
        """Keep an ambassador's extract in place of any earlier one."""
        await self._rows.replace_one(
            {"_id": ambassador_id},
            {
                "_id": ambassador_id,
                "content": Binary(content),
                "size": len(content),
                "uploaded_at": uploaded_at,
            },
            upsert=True,
            session=session,
        )

    async def of(self, ambassador_id: str) -> Document | None:
        """An ambassador's waiting extract, or None."""
        return await self._rows.find_one({"_id": ambassador_id})

    async def take(self, ambassador_id: str, session: Session) -> Document | None:
        """Remove the extract once decided: the row removed, or None."""
        return await self._rows.find_one_and_delete({"_id": ambassador_id}, session=session)

    async def delete(self, ambassador_id: str, session: Session) -> None:
        """Remove the extract, if any."""
        await self._rows.delete_one({"_id": ambassador_id}, session=session)

    def upload_dates(self) -> AsyncIterator[Document]:
        """Every waiting extract's owner and upload date (not its content)."""
        return aiter(self._rows.find({}, {"uploaded_at": 1}))
