"""Paginated lists: ``?limit=&cursor=`` in, ``{"items": […], "next_cursor": …}`` out.

Pages are keyset-based: a cursor holds the sort key values of the last item shown,
and the next page starts strictly after them. Unlike skip/offset, a page stays
correct while items are added, and costs the same deep in the list. Cursors are
opaque to clients (URL-safe base64 of JSON); they need no signature because they
only narrow a query the caller is already allowed to run.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from bson import ObjectId
from pydantic import BaseModel, Field, field_validator
from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shared.http.errors import ErrorKind

T = TypeVar("T")

INVALID_CURSOR = ErrorKind(400, "invalid_cursor", "Le curseur de pagination est invalide.")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class PageQuery(BaseModel):
    """The query parameters of a paginated list (subclass it to add filters)."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Taille de la page.")
    cursor: str | None = Field(None, description="Valeur de next_cursor de la page précédente.")

    @field_validator("cursor")
    @classmethod
    def _empty_is_first_page(cls, value: str | None) -> str | None:
        # Clients building "?cursor=" + next_cursor send an empty one for the first page.
        return value or None

    def paging(self) -> PageQuery:
        """The page asked for alone, without the filters a subclass adds."""
        return PageQuery(limit=self.limit, cursor=self.cursor)


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None = None


def _encode_value(value: Any) -> Any:
    # JSON has no date nor ObjectId: tag them so they come back as the same type.
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    if isinstance(value, ObjectId):
        return {"$oid": str(value)}
    if isinstance(value, uuid.UUID):
        return {"$uuid": str(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$date"} and isinstance(value["$date"], str):
            return datetime.fromisoformat(value["$date"])
        if set(value) == {"$oid"} and ObjectId.is_valid(value["$oid"]):
            return ObjectId(value["$oid"])
        if set(value) == {"$uuid"} and isinstance(value["$uuid"], str):
            return uuid.UUID(value["$uuid"])
        raise ValueError("unknown tagged value")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError("unexpected value")


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for these sort key values (str, numbers, datetime, ObjectId, UUID)."""
    document = json.dumps([_encode_value(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int | None = None) -> list[Any]:
    """The values inside ``cursor``; 400 ``invalid_cursor`` when it was not made by us.

    ``length`` is the number of sort keys expected, so a cursor of another list fails.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        document = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(document, list) or (length is not None and len(document) != length):
            raise ValueError("wrong shape")
        return [_decode_value(value) for value in document]
    except (ValueError, UnicodeError, binascii.Error, TypeError):
        raise INVALID_CURSOR.error() from None


def _value_at(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def sort_keys(sort: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """``sort`` with ``_id`` appended (in the last field's direction) as the tie-breaker."""
    fields = [(field, direction) for field, direction in sort if field != "_id"]
    if len(fields) > 2 or any(field == "_id" for field, _ in sort[:-1]):
        raise ValueError("keyset pagination sorts on at most two fields, then _id")
    for field, direction in sort:
        if direction not in (ASCENDING, DESCENDING):
            raise ValueError(f"sort direction of {field} must be 1 or -1")
    keys = list(sort)
    if not keys or keys[-1][0] != "_id":
        keys.append(("_id", keys[-1][1] if keys else ASCENDING))
    return keys


def after_filter(keys: Sequence[tuple[str, int]], values: Sequence[Any]) -> dict[str, Any]:
    """The MongoDB filter of documents strictly after ``values`` in the ``keys`` order.

    For keys (a, b, _id) that is: a after, or a equal and b after, or a and b equal
    and _id after — which an index on (a, b, _id) answers directly.
    """
    branches: list[dict[str, Any]] = []
    for index, (field, direction) in enumerate(keys):
        branch = {keys[before][0]: values[before] for before in range(index)}
        branch[field] = {"$gt" if direction == ASCENDING else "$lt": values[index]}
        branches.append(branch)
    return branches[0] if len(branches) == 1 else {"$or": branches}


async def paginate(
    collection: AsyncCollection[Any],
    query: Mapping[str, Any],
    *,
    sort: Sequence[tuple[str, int]],
    page: PageQuery,
    load: Callable[[dict[str, Any]], T],
    projection: Mapping[str, Any] | None = None,
) -> Page[T]:
    """One page of ``collection.find(query)`` in ``sort`` order, items built by ``load``.

    ``sort`` is one or two ``(field, ASCENDING|DESCENDING)``; ``_id`` is appended as
    the tie-breaker. Sort fields must always be present in the documents, and the
    collection should have an index on the sort keys (plus the query's equality fields).
    """
    keys = sort_keys(sort)
    conditions: dict[str, Any] = dict(query)
    if page.cursor is not None:
        after = after_filter(keys, decode_cursor(page.cursor, length=len(keys)))
        conditions = {"$and": [dict(query), after]} if query else after
    if projection is not None and any(
        value for field, value in projection.items() if field != "_id"
    ):
        # An inclusion projection must keep the sort fields: the cursor is made of them.
        projection = {**projection, **{field: 1 for field, _ in keys}}
    cursor = collection.find(conditions, projection).sort(keys).limit(page.limit + 1)
    documents = await cursor.to_list()
    next_cursor = None
    if len(documents) > page.limit:
        documents = documents[: page.limit]
        next_cursor = encode_cursor([_value_at(documents[-1], field) for field, _ in keys])
    return Page(items=[load(document) for document in documents], next_cursor=next_cursor)
