"""``organizations`` (partner organizations) and ``partner_requests`` (organisations
asking to become partners, kept a year)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument

from services.accounts.store.collection import Collection, Session, T
from shared.http import Page, PageQuery, paginate
from shared.mongo import Document


class Organizations(Collection):
    """Partner organizations (a SIRET belongs to one at most: a unique index)."""

    async def by_id(self, organization_id: str) -> Document | None:
        """One organization, or None."""
        return await self._rows.find_one({"_id": organization_id})

    async def exists(self, organization_id: str) -> bool:
        """Whether the organization is known."""
        return await self._rows.find_one({"_id": organization_id}, {"_id": 1}) is not None

    async def insert(self, row: Document, session: Session) -> None:
        """A new organization (DuplicateKeyError when its SIRET is taken)."""
        await self._rows.insert_one(row, session=session)

    async def change(
        self,
        organization_id: str,
        fields: Mapping[str, Any],
        *,
        unset: Sequence[str] = (),
        session: Session,
    ) -> Document | None:
        """Set ``fields`` and unset others: the organization after, or None if unknown."""
        update: dict[str, Any] = {"$set": dict(fields)}
        if unset:
            update["$unset"] = dict.fromkeys(unset, "")
        return await self._rows.find_one_and_update(
            {"_id": organization_id}, update, return_document=ReturnDocument.AFTER, session=session
        )

    async def page_by_name(
        self, prefix: str | None, page: PageQuery, load: Callable[[Document], T]
    ) -> Page[T]:
        """Organizations whose folded name starts with ``prefix`` (all when None), by name."""
        query: Document = {}
        if prefix:
            query["name_key"] = {"$gte": prefix, "$lt": prefix + "\uffff"}
        return await paginate(
            self._rows,
            query,
            sort=[("name_key", 1)],
            page=page,
            load=load,
            projection={"name": 1, "kind": 1, "name_key": 1},
        )


class PartnerRequests(Collection):
    """Organisations' requests to become partners, each ``new``, ``registered`` or
    ``declined``."""

    async def insert(self, row: Document, session: Session = None) -> None:
        """Keep a new request."""
        await self._rows.insert_one(row, session=session)

    async def kept(self, request_id: str, now: datetime) -> Document | None:
        """The request if it is still kept at ``now``, or None."""
        return await self._rows.find_one({"_id": request_id, "expires_at": {"$gt": now}})

    async def move(
        self,
        request_id: str,
        now: datetime,
        *,
        from_statuses: Sequence[str],
        fields: Mapping[str, Any],
        session: Session = None,
    ) -> Document | None:
        """Set ``fields`` on the kept request if its status is one of ``from_statuses``:
        the request after, or None when it is not kept or in another status."""
        return await self._rows.find_one_and_update(
            {"_id": request_id, "expires_at": {"$gt": now}, "status": {"$in": list(from_statuses)}},
            {"$set": dict(fields)},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def page_kept(
        self, now: datetime, status: str | None, page: PageQuery, load: Callable[[Document], T]
    ) -> Page[T]:
        """The requests still kept at ``now`` (only those in ``status`` if given), newest
        first."""
        query: Document = {"expires_at": {"$gt": now}}
        if status is not None:
            query["status"] = status
        return await paginate(self._rows, query, sort=[("created_at", -1)], page=page, load=load)

    async def give_status_where_missing(self, status: str) -> None:
        """Requests kept before they had a status get ``status`` (a migration)."""
        await self._rows.update_many({"status": {"$exists": False}}, {"$set": {"status": status}})
