"""Keyset pages whose every query is a plain index range.

``shared.http.paginate`` resumes after a cursor with ``$or`` (later key, or same key
and later ``_id``). MongoDB answers that from the index; the embedded store
(SecantusDB) does not: it scans the collection (8 s at 200,000 appointments,
measured). Here the same page is read with queries the embedded store serves from
the index: the ties of the cursor's key (``key == v and _id after``), then the rest
(``key after v``). A list that is a union (a referent's departments, bassins and own
requests) runs one such query per branch and merges them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from shared.http import Page, PageQuery, decode_cursor, encode_cursor
from shared.http.pagination import INVALID_CURSOR
from shared.mongo import Document

T = TypeVar("T")


def _after(condition: Any, operator: str, value: Any) -> dict[str, Any]:
    """``condition`` on a field, narrowed to values strictly after ``value``."""
    narrowed: dict[str, Any] = dict(condition) if isinstance(condition, Mapping) else {}
    if not isinstance(condition, Mapping) and condition is not None:
        narrowed["$eq"] = condition
    current = narrowed.get(operator)
    if current is None or (value > current if operator == "$gt" else value < current):
        narrowed[operator] = value
    return narrowed


async def _branch(
    collection: AsyncCollection[Document],
    query: Mapping[str, Any],
    *,
    field: str,
    direction: int,
    after: tuple[Any, Any] | None,
    limit: int,
) -> list[Document]:
    """Up to ``limit`` documents of one branch after the cursor, in order."""
    sort = [(field, direction), ("_id", direction)]
    operator = "$gt" if direction == ASCENDING else "$lt"
    documents: list[Document] = []
    rest: dict[str, Any] = dict(query)
    if after is not None:
        value, last_id = after
        ties = {**query, field: value, "_id": {operator: last_id}}
        documents = await collection.find(ties).sort(sort).limit(limit).to_list()
        rest[field] = _after(query.get(field), operator, value)
    if len(documents) < limit:
        documents += await collection.find(rest).sort(sort).limit(limit - len(documents)).to_list()
    return documents


async def keyset_page(
    collection: AsyncCollection[Document],
    branches: Sequence[Mapping[str, Any]],
    *,
    field: str,
    direction: int,
    page: PageQuery,
    load: Callable[[Document], T],
) -> Page[T]:
    """One page of the union of ``branches``, sorted by ``(field, _id)`` in ``direction``."""
    after: tuple[Any, Any] | None = None
    if page.cursor is not None:
        value, last_id = decode_cursor(page.cursor, length=2)
        if not isinstance(last_id, str) or value is None:
            raise INVALID_CURSOR.error()
        after = (value, last_id)
    found: dict[Any, Document] = {}
    for branch in branches:
        for document in await _branch(
            collection, branch, field=field, direction=direction, after=after, limit=page.limit + 1
        ):
            found[document["_id"]] = document
    ordered = sorted(
        found.values(),
        key=lambda document: (document[field], document["_id"]),
        reverse=direction != ASCENDING,
    )
    next_cursor = None
    if len(ordered) > page.limit:
        ordered = ordered[: page.limit]
        last = ordered[-1]
        next_cursor = encode_cursor([last[field], last["_id"]])
    return Page(items=[load(document) for document in ordered], next_cursor=next_cursor)
