"""The ``notifications`` collection: each person's feed of lines about their
appointments and open calls."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.agenda.store.paging import keyset_page
from shared.http import Page, PageQuery
from shared.mongo import Document

T = TypeVar("T")
Session = AsyncClientSession | None


def new_line(
    line_id: str,
    user_id: str,
    kind: str,
    text: str,
    now: datetime,
    *,
    suggestions: int = 0,
    **about: str | None,
) -> Document:
    """A new, unread line of ``user_id``'s feed; ``about`` names what it tells of
    (``appointment_id``, ``call_id``, ``about_user_id``)."""
    return {
        "_id": line_id,
        "user_id": user_id,
        "kind": kind,
        **about,
        "text": text,
        "suggestions": suggestions,
        "created_at": now,
        "read_at": None,
    }


class Feed:
    """Feed lines: written with the change they tell of, read newest first, marked read."""

    def __init__(self, lines: AsyncCollection[Document]) -> None:
        self._lines = lines

    async def add(self, lines: Sequence[Document], session: AsyncClientSession) -> None:
        """Write new lines in the transaction of the change they tell of."""
        if lines:
            await self._lines.insert_many(lines, session=session)

    async def about_appointment(
        self, appointment_id: str, session: AsyncClientSession
    ) -> list[Document]:
        """Every line about one appointment, whoever reads it."""
        cursor = self._lines.find({"appointment_id": appointment_id}, session=session)
        return [line async for line in cursor]

    async def of_user(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> list[Document]:
        """A person's whole feed, oldest first."""
        cursor = self._lines.find({"user_id": user_id}, session=session).sort("created_at", 1)
        return [line async for line in cursor]

    async def set_text(self, line_id: str, text: str, session: AsyncClientSession) -> None:
        """Write a line's text again (a party it named was anonymised)."""
        await self._lines.update_one({"_id": line_id}, {"$set": {"text": text}}, session=session)

    async def unname(self, line_id: str, text: str, session: AsyncClientSession) -> None:
        """Write a line's text again and forget whom it was about."""
        await self._lines.update_one(
            {"_id": line_id},
            {"$set": {"text": text}, "$unset": {"about_user_id": ""}},
            session=session,
        )

    async def page(
        self,
        user_id: str,
        *,
        unread: bool | None,
        page: PageQuery,
        load: Callable[[Document], T],
    ) -> Page[T]:
        """One page of a person's feed, newest first (``unread``: only those, or only not)."""
        conditions: dict[str, Any] = {"user_id": user_id}
        if unread is True:
            conditions["read_at"] = None
        elif unread is False:
            conditions["read_at"] = {"$ne": None}
        return await keyset_page(
            self._lines,
            [conditions],
            field="created_at",
            direction=DESCENDING,
            page=page,
            load=load,
        )

    async def mark_read(self, user_id: str, line_id: str, now: datetime) -> bool:
        """Mark one of the person's lines read (again is fine); False if it is not theirs."""
        mine = {"_id": line_id, "user_id": user_id}
        done = await self._lines.update_one({**mine, "read_at": None}, {"$set": {"read_at": now}})
        return done.matched_count == 1 or await self._lines.find_one(mine) is not None

    async def mark_all_read(self, user_id: str, now: datetime) -> int:
        """Mark the person's whole feed read; how many lines changed."""
        done = await self._lines.update_many(
            {"user_id": user_id, "read_at": None}, {"$set": {"read_at": now}}
        )
        return done.modified_count

    async def forget_user(self, user_id: str, session: AsyncClientSession) -> None:
        """Delete a person's feed (their account is deleted)."""
        await self._lines.delete_many({"user_id": user_id}, session=session)
