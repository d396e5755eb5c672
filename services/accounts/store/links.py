"""The ``link_tokens`` collection: hashes of the tokens in emailed links, never the tokens."""

from __future__ import annotations

from services.accounts.store.collection import Collection, Session
from shared.mongo import Document


class Links(Collection):
    """Emailed links (confirmation, password reset, email change), single use."""

    async def by_hash(self, token_hash: str, purpose: str | None = None) -> Document | None:
        """The link of this token hash (of this purpose), or None."""
        query = {"_id": token_hash} if purpose is None else {"_id": token_hash, "purpose": purpose}
        return await self._rows.find_one(query)

    async def add(self, row: Document, session: Session) -> None:
        """Store a new link."""
        await self._rows.insert_one(row, session=session)

    async def consume(self, token_hash: str, purpose: str, session: Session) -> Document | None:
        """Take a link out of the store (single use): the row, or None if unknown."""
        return await self._rows.find_one_and_delete(
            {"_id": token_hash, "purpose": purpose}, session=session
        )

    async def replace(self, user_id: str, purpose: str, row: Document, session: Session) -> None:
        """Void the user's earlier links of this purpose and store the new one."""
        await self.void(user_id, purpose, session)
        await self.add(row, session)

    async def void(self, user_id: str, purpose: str | None, session: Session) -> None:
        """Void the user's links of this purpose (of every purpose when None)."""
        query = (
            {"user_id": user_id} if purpose is None else {"user_id": user_id, "purpose": purpose}
        )
        await self._rows.delete_many(query, session=session)

    async def delete(self, token_hash: str, session: Session) -> None:
        """Remove one link."""
        await self._rows.delete_one({"_id": token_hash}, session=session)
