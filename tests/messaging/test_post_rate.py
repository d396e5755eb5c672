"""The posting limit counts the last minute exactly, across its one-minute buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from services.messaging.post_rate import PostRate, RateLimitedError
from services.messaging.store import INDEXES, MessagingStore
from shared.mongo import Document, ensure_indexes, in_transaction

# Ten seconds into a minute: 50 s ago is in the bucket before, 70 s ago out of the window.
NOW = datetime(2027, 3, 11, 13, 0, 10, tzinfo=UTC)


async def _rate_with_history(
    client: AsyncMongoClient[Document], prefix: str, history: dict[str, list[timedelta]]
) -> PostRate:
    db = client[f"{prefix}post_rate"]
    await ensure_indexes(db, INDEXES)
    store = MessagingStore(db)
    rate = PostRate(store, limit=2)
    await store.messages.insert_many(
        [
            {
                "conversation_id": f"with-{author_id}",
                "seq": seq,
                "author_id": author_id,
                "created_at": NOW - ago,
                "rate_bucket": rate.bucket(author_id, NOW - ago),
            }
            for author_id, agos in history.items()
            for seq, ago in enumerate(agos, start=1)
        ]
    )
    return rate


async def _refusals(
    client: AsyncMongoClient[Document], rate: PostRate, posts: list[tuple[str, datetime]]
) -> list[RateLimitedError | None]:
    async def check(session: AsyncClientSession) -> list[RateLimitedError | None]:
        return await rate.refusals(posts, session)

    return await in_transaction(client, check)


async def test_posts_of_the_last_minute_count_even_from_the_minute_before(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    rate = await _rate_with_history(
        mongo_client,
        database_prefix,
        {
            "karim": [timedelta(seconds=50), timedelta(seconds=5)],
            "lea": [timedelta(seconds=70), timedelta(seconds=65), timedelta(seconds=2)],
        },
    )

    karim, lea = await _refusals(mongo_client, rate, [("karim", NOW), ("lea", NOW)])

    assert isinstance(karim, RateLimitedError)
    assert karim.retry_after == 10  # the post of 50 s ago leaves the window in 10 s
    assert lea is None  # her posts of more than a minute ago no longer count


async def test_posts_of_one_batch_count_against_the_ones_after_them(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    rate = await _rate_with_history(
        mongo_client, database_prefix, {"karim": [timedelta(seconds=30)]}
    )
    later = NOW + timedelta(seconds=1)

    answers = await _refusals(
        mongo_client, rate, [("karim", NOW), ("lea", NOW), ("karim", later), ("lea", later)]
    )

    assert [answer is None for answer in answers] == [True, True, False, True]
    refused = answers[2]
    assert refused is not None
    assert refused.retry_after == 29


async def test_a_post_refused_for_a_full_minute_waits_at_least_one_second(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    rate = await _rate_with_history(
        mongo_client,
        database_prefix,
        {"karim": [timedelta(seconds=59, milliseconds=900), timedelta(seconds=1)]},
    )

    [answer] = await _refusals(mongo_client, rate, [("karim", NOW)])

    assert answer is not None
    assert answer.retry_after == 1
