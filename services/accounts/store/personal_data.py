"""Collections about people's data: ``charter_acceptances``, ``audit`` (reads of people's
data by referents and admins), ``erasures`` (which services confirmed a deleted
account's erasure), ``export_requests`` and ``export_parts`` (the other services'
answers to an export, kept until delivered)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.accounts.store.collection import Collection, Session, T
from shared.http import Page, PageQuery, paginate
from shared.mongo import Document


class CharterAcceptances(Collection):
    """Who accepted which version of the charter, when."""

    async def add(self, row: Document, session: Session) -> None:
        """Record an acceptance."""
        await self._rows.insert_one(row, session=session)

    async def of_user(self, user_id: str) -> list[Document]:
        """A person's acceptances."""
        return await self._rows.find({"user_id": user_id}).to_list()

    async def forget_user(self, user_id: str, session: Session) -> None:
        """Remove a person's acceptances."""
        await self._rows.delete_many({"user_id": user_id}, session=session)


class AuditLog(Collection):
    """Reads of people's data by referents and admins."""

    async def add(self, entries: Iterable[Document], session: Session = None) -> None:
        """Record reads (at least one)."""
        await self._rows.insert_many(list(entries), session=session)

    async def page(
        self,
        *,
        user_id: str | None,
        actor_id: str | None,
        since: datetime | None,
        before: datetime | None,
        page: PageQuery,
        load: Callable[[Document], T],
    ) -> Page[T]:
        """Entries about ``user_id``, by ``actor_id``, in [since, before), newest first."""
        conditions: dict[str, Any] = {}
        if user_id:
            conditions["user_id"] = user_id
        if actor_id:
            conditions["actor_id"] = actor_id
        period: dict[str, Any] = {}
        if since is not None:
            period["$gte"] = since
        if before is not None:
            period["$lt"] = before
        if period:
            conditions["at"] = period
        return await paginate(
            self._rows, conditions, sort=[("at", DESCENDING)], page=page, load=load
        )

    async def about(self, user_id: str) -> list[Document]:
        """Every entry about a person, newest first."""
        return await self._rows.find({"user_id": user_id}).sort("at", DESCENDING).to_list()


class Erasures(Collection):
    """The erasure of deleted accounts, service by service."""

    async def open(self, row: Document, session: Session) -> None:
        """Start (or start again) the erasure of an account."""
        await self._rows.replace_one({"_id": row["_id"]}, row, upsert=True, session=session)

    async def confirm(self, user_id: str, service: str, at: datetime, session: Session) -> bool:
        """Note that ``service`` erased its data; False when no erasure is open."""
        found = await self._rows.update_one(
            {"_id": user_id}, {"$set": {f"confirmations.{service}": at}}, session=session
        )
        return bool(found.matched_count)

    async def complete_if_confirmed_by(
        self, user_id: str, services: Sequence[str], now: datetime
    ) -> bool:
        """Mark the erasure complete if every service confirmed; whether it is complete.

        One conditional write after the confirmations' transactions: two services
            confirming at the same moment each try it, and the later one sees both.
        """
        everyone: dict[str, Any] = {
            f"confirmations.{service}": {"$exists": True} for service in services
        }
        await self._rows.update_one(
            {"_id": user_id, "completed_at": None, **everyone},
            {"$set": {"completed_at": now}},
        )
        row = await self._rows.find_one({"_id": user_id}, {"completed_at": 1})
        return row is not None and row.get("completed_at") is not None

    async def of(self, user_id: str) -> Document | None:
        """The erasure of an account, or None."""
        return await self._rows.find_one({"_id": user_id})

    async def page(
        self, complete: bool | None, page: PageQuery, load: Callable[[Document], T]
    ) -> Page[T]:
        """Erasures, newest first: only complete ones, only pending ones, or all (None)."""
        query: dict[str, Any] = {}
        if complete is False:
            query["completed_at"] = None
        elif complete is True:
            query["completed_at"] = {"$ne": None}
        return await paginate(
            self._rows, query, sort=[("requested_at", DESCENDING)], page=page, load=load
        )


class Exports:
    """Exports of a person's data in progress, and the other services' parts of them."""

    def __init__(
        self, requests: AsyncCollection[Document], parts: AsyncCollection[Document]
    ) -> None:
        self._requests = requests
        self._parts = parts

    async def latest_since(self, user_id: str, since: datetime) -> Document | None:
        """The person's latest request made after ``since``, or None."""
        return await self._requests.find_one(
            {"user_id": user_id, "created_at": {"$gt": since}}, sort=[("created_at", DESCENDING)]
        )

    async def open(self, row: Document, session: Session) -> None:
        """A new request."""
        await self._requests.insert_one(row, session=session)

    async def request(self, request_id: str) -> Document | None:
        """One request, or None when delivered or given up."""
        return await self._requests.find_one({"_id": request_id})

    async def keep_part(self, row: Document) -> None:
        """Keep a service's part of a request (again: the latest answer wins)."""
        await self._parts.replace_one({"_id": row["_id"]}, row, upsert=True)

    async def parts(self, request_id: str) -> list[Document]:
        """The parts received so far."""
        return await self._parts.find({"request_id": request_id}).to_list()

    async def close(self, request_id: str) -> None:
        """Forget a delivered request and its parts (they hold personal data)."""
        await self._parts.delete_many({"request_id": request_id})
        await self._requests.delete_one({"_id": request_id})

    async def forget_user(self, user_id: str, session: Session) -> None:
        """Remove every request of a person and their parts."""
        await self._requests.delete_many({"user_id": user_id}, session=session)
        await self._parts.delete_many({"user_id": user_id}, session=session)
