"""The ``users`` collection: one document per person, role-specific parts nested."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from services.accounts.store.collection import Collection, Session, T
from shared.http import Page, PageQuery, paginate
from shared.mongo import Document

Fields = Mapping[str, Any] | None


class Users(Collection):
    """People's accounts, found by id or address and changed by named steps."""

    # --- reads -------------------------------------------------------------------

    async def by_id(
        self,
        user_id: str,
        *,
        role: str | None = None,
        where: Mapping[str, Any] | None = None,
        fields: Fields = None,
        session: Session = None,
    ) -> Document | None:
        """The account ``user_id`` (of ``role``, matching ``where``), or None."""
        query: dict[str, Any] = {"_id": user_id, **(where or {})}
        if role is not None:
            query["role"] = role
        return await self._rows.find_one(query, fields, session=session)

    async def by_email(
        self, email: str, *, fields: Fields = None, session: Session = None
    ) -> Document | None:
        """The account of an address (addresses are unique), or None."""
        return await self._rows.find_one({"email": email}, fields, session=session)

    async def email_taken(self, email: str) -> bool:
        """Whether an account uses this address."""
        return await self.by_email(email, fields={"_id": 1}) is not None

    async def ids_matching(self, query: Mapping[str, Any]) -> list[str]:
        """The ids of the accounts a background rule selects (read at once, not streamed)."""
        return [row["_id"] for row in await self._rows.find(query, {"_id": 1}).to_list()]

    async def active_admin_ids(self, session: Session = None) -> list[str]:
        """The ids of the active administrators' accounts."""
        rows = self._rows.find({"role": "admin", "status": "active"}, {"_id": 1}, session=session)
        return [row["_id"] for row in await rows.to_list()]

    def active_ambassadors(self) -> AsyncIterator[Document]:
        """Every active ambassador's account."""
        return aiter(self._rows.find({"role": "ambassador", "status": "active"}))

    async def page(
        self,
        query: Mapping[str, Any],
        *,
        sort: Sequence[tuple[str, int]],
        page: PageQuery,
        load: Callable[[Document], T],
        projection: Mapping[str, Any] | None = None,
    ) -> Page[T]:
        """One page of the accounts ``query`` selects, in ``sort`` order."""
        return await paginate(
            self._rows, query, sort=sort, page=page, load=load, projection=projection
        )

    # --- writes ------------------------------------------------------------------

    async def insert(self, user: Document, session: Session = None) -> None:
        """A new account (its address must be free: the unique index says so)."""
        await self._rows.insert_one(user, session=session)

    async def delete(self, user_id: str, session: Session = None) -> None:
        """Remove an account's document."""
        await self._rows.delete_one({"_id": user_id}, session=session)

    async def delete_pending(self, user_id: str, session: Session) -> None:
        """Remove an account that was never confirmed (a confirmed one stays)."""
        await self._rows.delete_one(
            {"_id": user_id, "status": "pending_confirmation"}, session=session
        )

    async def set(
        self,
        user_id: str,
        fields: Mapping[str, Any],
        *,
        where: Mapping[str, Any] | None = None,
        session: Session = None,
    ) -> bool:
        """Set ``fields`` on the account (if it matches ``where``); whether it did."""
        result = await self._rows.update_one(
            {"_id": user_id, **(where or {})}, {"$set": dict(fields)}, session=session
        )
        return bool(result.matched_count)

    async def change(
        self,
        user_id: str,
        fields: Mapping[str, Any],
        *,
        where: Mapping[str, Any] | None = None,
        unset: Sequence[str] = (),
        push: Mapping[str, Sequence[Any]] | None = None,
        session: Session = None,
    ) -> Document | None:
        """Set ``fields`` (and unset, append) on the account if it matches ``where``:
        the account after the change, or None when none matched."""
        update: dict[str, Any] = {"$set": dict(fields)}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        if push:
            update["$push"] = {field: {"$each": list(items)} for field, items in push.items()}
        return await self._rows.find_one_and_update(
            {"_id": user_id, **(where or {})},
            update,
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def change_with_before(
        self,
        user_id: str,
        fields: Mapping[str, Any],
        *,
        where: Mapping[str, Any] | None = None,
        unset: Sequence[str] = (),
        session: Session,
    ) -> tuple[Document, Document] | None:
        """As :meth:`change`, returning the account before and after (the changes the
        other services hear of are told from both); None when none matched ``where``."""
        before = await self.by_id(user_id, where=where, session=session)
        if before is None:
            return None
        after = await self.change(user_id, fields, unset=unset, session=session)
        return None if after is None else (before, after)

    async def activate(
        self, user_id: str, password_hash: str, now: datetime, session: Session
    ) -> Document | None:
        """Make a pending account active with its first password: the account, or None
        if it was not pending."""
        return await self.change(
            user_id,
            {
                "status": "active",
                "password_hash": password_hash,
                "activated_at": now,
                "password_changed_at": now,
                "last_seen_at": now,
                "updated_at": now,
            },
            where={"status": "pending_confirmation"},
            session=session,
        )

    async def set_password(
        self, user_id: str, password_hash: str, now: datetime, session: Session
    ) -> None:
        """A new password for the account."""
        await self.set(
            user_id,
            {"password_hash": password_hash, "password_changed_at": now, "updated_at": now},
            session=session,
        )

    async def seen_active(self, user_id: str, now: datetime) -> Document | None:
        """Note a sign-in (or a refresh) of an active account: the account, or None
        if it is not active any more."""
        return await self._rows.find_one_and_update(
            {"_id": user_id, "status": "active"},
            {"$set": {"last_seen_at": now, "inactivity_warned_at": None}},
        )

    async def set_territory(
        self, referent_id: str, territory: Mapping[str, Any], now: datetime, session: Session
    ) -> Document | None:
        """A referent's new territory: the referent as they were, or None if unknown."""
        return await self._rows.find_one_and_update(
            {"_id": referent_id, "role": "referent"},
            {"$set": {"referent.territory": dict(territory), "updated_at": now}},
            return_document=ReturnDocument.BEFORE,
            session=session,
        )
