"""Lists come in pages; a cursor resumes exactly after the last item shown."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient

from shared.http import ApiError, PageQuery, decode_cursor, encode_cursor, paginate
from tests.http.conftest import Served


def test_cursor_round_trip_keeps_each_value_and_its_type() -> None:
    values = [
        datetime(2026, 9, 15, 12, 0, 0, 123000, tzinfo=UTC),
        ObjectId(),
        uuid.uuid4(),
        "Lille Est",
        42,
        None,
    ]

    cursor = encode_cursor(values)

    assert decode_cursor(cursor, length=len(values)) == values
    assert cursor.isascii()
    assert "=" not in cursor
    assert "/" not in cursor
    assert "+" not in cursor


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 at all!",
        "e30",  # {} : not a list
        encode_cursor([1, 2]),  # a cursor of another list, with two sort keys
        "WyJhIg",  # ["a" : truncated JSON
        encode_cursor(["x"]).replace("W", "Z"),
    ],
)
def test_invalid_cursor_is_a_400_invalid_cursor(cursor: str) -> None:
    with pytest.raises(ApiError) as caught:
        decode_cursor(cursor, length=1)

    assert caught.value.status == 400
    assert caught.value.code == "invalid_cursor"
    assert caught.value.message == "Le curseur de pagination est invalide."


async def test_pages_cover_the_list_once_over_http(served: Served) -> None:
    seen: list[int] = []
    cursor: str | None = None
    sizes = []
    while True:
        query = f"?limit=20&cursor={cursor}" if cursor else "?limit=20"
        response = await served.client.get(served.url(f"/items{query}"))
        assert response.status == 200
        page = await response.json()
        sizes.append(len(page["items"]))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [20, 20, 5]
    assert seen == list(range(1, 46))


async def test_forged_cursor_over_http_is_a_json_400(served: Served) -> None:
    response = await served.client.get(served.url("/items?cursor=%7B%7D"))

    assert response.status == 400
    assert (await response.json())["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    "sort",
    [
        [("created_at", DESCENDING)],
        [("department", ASCENDING), ("created_at", DESCENDING)],
        [("department", DESCENDING), ("rank", ASCENDING)],
    ],
)
async def test_keyset_pages_over_a_real_collection_match_a_full_sort(
    mongo_client: AsyncMongoClient[Any], database_prefix: str, sort: list[tuple[str, int]]
) -> None:
    collection = mongo_client[f"{database_prefix}http"]["items"]
    start = datetime(2026, 9, 1, tzinfo=UTC)
    # Ties on purpose: several items share a department and a creation time.
    documents: list[dict[str, Any]] = [
        {
            "_id": ObjectId(),
            "department": ["02", "59", "62"][number % 3],
            "created_at": start + timedelta(hours=number // 4),
            "rank": number % 5,
            "hidden": number % 7 == 0,
        }
        for number in range(53)
    ]
    await collection.insert_many(documents)
    visible = [document for document in documents if not document["hidden"]]
    expected = visible
    for field, direction in reversed([*sort, ("_id", sort[-1][1])]):
        expected = sorted(expected, key=lambda d: d[field], reverse=direction == DESCENDING)

    shown: list[ObjectId] = []
    page = PageQuery(limit=7)
    while True:
        result = await paginate(
            collection,
            {"hidden": False},
            sort=sort,
            page=page,
            load=lambda document: document["_id"],
            projection={"department": 1},
        )
        assert len(result.items) <= 7
        shown += result.items
        if result.next_cursor is None:
            break
        page = PageQuery(limit=7, cursor=result.next_cursor)

    assert shown == [document["_id"] for document in expected]
