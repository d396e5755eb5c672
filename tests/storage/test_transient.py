"""Transient database errors: recognised through their wrappers, and retried.

The recognition is checked on pymongo's own exception classes, built as the driver
builds them from a server's reply; the retry on the real MongoDB-wire server, with a
real write conflict between two concurrent writers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    ClientBulkWriteException,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
)

from shared.group_commit import GroupCommit
from shared.mongo import Document, in_transaction
from shared.transient import ATTEMPTS, is_transient, retry_transient

WRITE_CONFLICT: dict[str, Any] = {
    "ok": 0.0,
    "errmsg": "WriteConflict error: this operation conflicted with another operation.",
    "code": 112,
    "codeName": "WriteConflict",
    "errorLabels": ["TransientTransactionError"],
}


def _labelled_conflict() -> OperationFailure:
    return OperationFailure(WRITE_CONFLICT["errmsg"], 112, WRITE_CONFLICT)


def _client_bulk(**details: object) -> ClientBulkWriteException:
    results: dict[str, object] = {
        "anySuccessful": False,
        "error": None,
        "writeErrors": [],
        "writeConcernErrors": [],
        "nInserted": 0,
    }
    results.update(details)
    return ClientBulkWriteException(results, verbose=False)


# recognition ------------------------------------------------------------------------


def test_a_labelled_error_is_transient() -> None:
    assert is_transient(_labelled_conflict())
    commit_unknown = OperationFailure(
        "commit result unknown", 50, {"errorLabels": ["UnknownTransactionCommitResult"]}
    )
    assert is_transient(commit_unknown)


def test_a_client_bulk_write_wrapping_a_labelled_conflict_is_transient() -> None:
    wrapper = _client_bulk(error=_labelled_conflict())

    # What the driver's with_transaction looks at: the wrapper carries no label.
    assert not wrapper.has_error_label("TransientTransactionError")
    assert is_transient(wrapper)


def test_a_client_bulk_write_with_a_transient_write_or_write_concern_error() -> None:
    assert is_transient(_client_bulk(writeErrors=[{"index": 0, **WRITE_CONFLICT}]))
    stepped_down = {"code": 189, "codeName": "PrimarySteppedDown", "errmsg": "stepped down"}
    assert is_transient(_client_bulk(writeConcernErrors=[stepped_down]))


def test_a_collection_bulk_write_with_a_transient_write_concern_error() -> None:
    error = BulkWriteError(
        {
            "writeErrors": [],
            "writeConcernErrors": [{"code": 91, "errmsg": "shutting down"}],
            "nInserted": 1,
        }
    )
    assert is_transient(error)


def test_a_lost_connection_is_transient() -> None:
    assert is_transient(AutoReconnect("connection closed"))
    assert is_transient(NetworkTimeout("timed out"))
    assert is_transient(ServerSelectionTimeoutError("no primary"))


def test_an_error_raised_from_a_transient_one_is_transient() -> None:
    wrapped = RuntimeError("wrapped by the caller")
    wrapped.__cause__ = _labelled_conflict()
    assert is_transient(wrapped)


def test_errors_that_would_fail_again_are_not_transient() -> None:
    duplicate = DuplicateKeyError("E11000 duplicate key", 11000, {"code": 11000})
    assert not is_transient(duplicate)
    assert not is_transient(_client_bulk(writeErrors=[{"index": 0, "code": 11000}]))
    assert not is_transient(OperationFailure("bad query", 2, {"code": 2}))
    assert not is_transient(ValueError("a bug"))


# the bounded retry --------------------------------------------------------------


async def test_retry_gives_up_after_its_bound_with_the_last_error() -> None:
    calls = 0

    async def always_conflicting() -> None:
        nonlocal calls
        calls += 1
        raise _client_bulk(error=_labelled_conflict())

    with pytest.raises(ClientBulkWriteException):
        await retry_transient(always_conflicting, what="test", attempts=3, first_delay=0.001)
    assert calls == 3


async def test_retry_never_repeats_an_error_that_is_not_transient() -> None:
    calls = 0

    async def duplicate() -> None:
        nonlocal calls
        calls += 1
        raise DuplicateKeyError("E11000 duplicate key", 11000)

    with pytest.raises(DuplicateKeyError):
        await retry_transient(duplicate, what="test", first_delay=0.001)
    assert calls == 1


# a real write conflict ----------------------------------------------------------


class RetryWarnings(logging.Handler):
    """Collects the retry warnings of ``shared.transient`` and signals the first."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.first = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.first.set()


@pytest.fixture
def retry_warnings() -> Iterator[RetryWarnings]:
    handler = RetryWarnings()
    logger = logging.getLogger("shared.transient")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@pytest.fixture
async def holder(
    mongo_client: AsyncMongoClient[Document],
) -> AsyncIterator[AsyncClientSession]:
    """A session whose open transaction holds a document, like a slower writer."""
    async with mongo_client.start_session() as session:
        yield session
        if session.in_transaction:
            await session.abort_transaction()


async def test_a_write_conflict_behind_a_client_bulk_write_is_retried_until_it_passes(
    mongo_client: AsyncMongoClient[Document],
    database_prefix: str,
    holder: AsyncClientSession,
    retry_warnings: RetryWarnings,
) -> None:
    db = mongo_client[f"{database_prefix}conflicts"]
    await db.counters.insert_one({"_id": "seq", "value": 0})
    namespace = db.counters.full_name
    commits = GroupCommit(mongo_client)

    async def bump_and_log(session: AsyncClientSession) -> None:
        # The messaging service's shape: a read, then one client bulk write.
        await db.counters.find_one({"_id": "seq"}, session=session)
        await mongo_client.bulk_write(
            [
                UpdateOne({"_id": "seq"}, {"$inc": {"value": 1}}, namespace=namespace),
                InsertOne({"_id": "log-1"}, namespace=namespace),
            ],
            session=session,
        )

    # The other writer changed the document in its transaction, not yet committed.
    await holder.start_transaction()
    await db.counters.update_one({"_id": "seq"}, {"$inc": {"value": 10}}, session=holder)
    writer = asyncio.create_task(commits.run(bump_and_log))
    # Its first attempt met the conflict and waits to try again: the other commits.
    await retry_warnings.first.wait()
    await holder.commit_transaction()
    await writer

    assert await db.counters.find_one({"_id": "seq"}) == {"_id": "seq", "value": 11}
    assert await db.counters.count_documents({"_id": "log-1"}) == 1
    assert "ClientBulkWriteException" in retry_warnings.records[0].getMessage()


async def test_a_conflict_that_outlives_the_bound_is_raised_as_transient(
    mongo_client: AsyncMongoClient[Document],
    database_prefix: str,
    holder: AsyncClientSession,
) -> None:
    db = mongo_client[f"{database_prefix}conflicts"]
    await db.counters.insert_one({"_id": "seq", "value": 0})
    namespace = db.counters.full_name

    async def bump(session: AsyncClientSession) -> None:
        await db.counters.find_one({"_id": "seq"}, session=session)
        await mongo_client.bulk_write(
            [UpdateOne({"_id": "seq"}, {"$inc": {"value": 1}}, namespace=namespace)],
            session=session,
        )

    await holder.start_transaction()
    await db.counters.update_one({"_id": "seq"}, {"$inc": {"value": 10}}, session=holder)
    with pytest.raises(ClientBulkWriteException) as raised:
        await in_transaction(mongo_client, bump)

    assert is_transient(raised.value)
    await holder.abort_transaction()
    assert await db.counters.find_one({"_id": "seq"}) == {"_id": "seq", "value": 0}


async def test_a_labelled_conflict_is_run_again_a_bounded_number_of_times(
    mongo_client: AsyncMongoClient[Document],
    database_prefix: str,
    holder: AsyncClientSession,
) -> None:
    db = mongo_client[f"{database_prefix}conflicts"]
    await db.counters.insert_one({"_id": "seq", "value": 0})
    runs = 0

    async def bump(session: AsyncClientSession) -> None:
        nonlocal runs
        runs += 1
        await db.counters.update_one({"_id": "seq"}, {"$inc": {"value": 1}}, session=session)

    # The other writer never lets go: the driver alone would keep trying for minutes.
    await holder.start_transaction()
    await db.counters.update_one({"_id": "seq"}, {"$inc": {"value": 10}}, session=holder)
    with pytest.raises(OperationFailure) as raised:
        await in_transaction(mongo_client, bump)

    assert raised.value.code == 112
    assert raised.value.has_error_label("TransientTransactionError")
    assert runs == ATTEMPTS
