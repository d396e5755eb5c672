"""Group commit on the real MongoDB-wire server: shared transactions, separate fates."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from shared.group_commit import GroupCommit
from shared.mongo import Document


@pytest.fixture
def counters(mongo_client: AsyncMongoClient[Document], database_prefix: str) -> str:
    return f"{database_prefix}group"


async def test_concurrent_units_all_commit_and_see_each_other_in_order(
    mongo_client: AsyncMongoClient[Document], counters: str
) -> None:
    collection = mongo_client[counters]["counters"]
    await collection.insert_one({"_id": "seq", "value": 0})
    commits = GroupCommit(mongo_client)

    async def take_number(session: AsyncClientSession) -> int:
        before = await collection.find_one({"_id": "seq"}, session=session)
        assert before is not None
        await collection.update_one({"_id": "seq"}, {"$inc": {"value": 1}}, session=session)
        return int(before["value"]) + 1

    numbers = await asyncio.gather(*(commits.run(take_number) for _ in range(40)))

    # Read-then-write in each unit: grouped or not, no two got the same number.
    assert sorted(numbers) == list(range(1, 41))
    assert await collection.find_one({"_id": "seq"}) == {"_id": "seq", "value": 40}


async def test_a_failing_unit_fails_alone_and_leaves_nothing_behind(
    mongo_client: AsyncMongoClient[Document], counters: str
) -> None:
    collection = mongo_client[counters]["people"]
    await collection.insert_one({"_id": "taken"})
    commits = GroupCommit(mongo_client)

    def insert(name: str) -> Callable[[AsyncClientSession], Awaitable[str]]:
        async def unit(session: AsyncClientSession) -> str:
            await collection.insert_one({"_id": f"{name}-audit"}, session=session)
            await collection.insert_one({"_id": name}, session=session)
            return name

        return unit

    names = [f"p{n}" for n in range(10)]
    names.insert(5, "taken")  # a duplicate in the middle of the burst
    outcomes = await asyncio.gather(
        *(commits.run(insert(name)) for name in names),
        return_exceptions=True,
    )

    assert [type(outcome) for outcome in outcomes].count(DuplicateKeyError) == 1
    assert isinstance(outcomes[5], DuplicateKeyError)
    assert [outcome for outcome in outcomes if isinstance(outcome, str)] == [
        name for name in names if name != "taken"
    ]
    stored = {doc["_id"] async for doc in collection.find({})}
    # The failed unit's first write went with its transaction; the others' stayed.
    assert "taken-audit" not in stored
    assert stored == {"taken", *(f"p{n}" for n in range(10)), *(f"p{n}-audit" for n in range(10))}
