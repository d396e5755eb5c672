"""MongoDB access through PyMongo's asynchronous client.

Each service owns one database and declares its indexes next to its store; they are
created at start-up so every query path users hit has one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from shared.transient import COMMIT_RESULT_UNKNOWN, is_transient, retry_transient

Document = dict[str, Any]
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


# Well under the embedded store's own limit of 300 s on an idle client connection.
MAX_IDLE_SECONDS = 60


def connect(url: str, *, app_name: str = "prochorientation") -> AsyncMongoClient[Document]:
    """A client with majority read and write concerns and timezone-aware datetimes.

    The embedded store needs ``retryWrites=false`` in its URL (see the README); a real
    MongoDB keeps the driver's default.
    """
    return AsyncMongoClient(
        url,
        appname=app_name,
        tz_aware=True,
        uuidRepresentation="standard",
        w="majority",
        readConcernLevel="majority",
        serverSelectionTimeoutMS=5_000,
        connectTimeoutMS=5_000,
        # The embedded store closes a connection idle for 5 minutes (so do many
        # firewalls and load balancers in front of a MongoDB): a pooled connection
        # kept longer would fail its next command, and not every command is retried.
        maxIdleTimeMS=MAX_IDLE_SECONDS * 1000,
    )


@dataclass(frozen=True)
class IndexSpec:
    """One index of one collection, as a service declares it."""

    collection: str
    keys: Sequence[tuple[str, int]]
    name: str | None = None
    unique: bool = False
    expire_after_seconds: int | None = None
    partial: Mapping[str, Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def model(self) -> IndexModel:
        """The driver's description of this index."""
        kwargs: dict[str, Any] = dict(self.options)
        if self.name:
            kwargs["name"] = self.name
        if self.unique:
            kwargs["unique"] = True
        if self.expire_after_seconds is not None:
            kwargs["expireAfterSeconds"] = self.expire_after_seconds
        if self.partial is not None:
            kwargs["partialFilterExpression"] = dict(self.partial)
        return IndexModel(list(self.keys), **kwargs)


async def ensure_indexes(db: AsyncDatabase[Document], specs: Sequence[IndexSpec]) -> None:
    """Create the declared indexes (creating an existing index is a no-op)."""
    by_collection: dict[str, list[IndexModel]] = {}
    for spec in specs:
        by_collection.setdefault(spec.collection, []).append(spec.model())
    for collection, models in by_collection.items():
        await db[collection].create_indexes(models)


async def find_one_as(
    model: type[M],
    collection: AsyncCollection[Document],
    query: Mapping[str, Any],
    session: AsyncClientSession | None = None,
) -> M | None:
    """The first document matching ``query``, read as ``model``; None when none matches."""
    document = await collection.find_one(query, session=session)
    return model.model_validate(document) if document else None


async def in_transaction(
    client: AsyncMongoClient[Document],
    work: Callable[[AsyncClientSession], Awaitable[T]],
) -> T:
    """Run ``work`` in a multi-document transaction, retried on transient errors.

    The driver's ``with_transaction`` retries only the errors whose own label says
    so, for up to two minutes; here every transient error
    (:func:`shared.transient.is_transient`: a labelled error wrapped by a client bulk
    write, a lost connection too) runs the transaction again, a bounded number of
    times with growing delays, each time in a new session. A commit whose result is
    unknown is committed again, never run again. ``work`` may therefore run more than
    once: it must only touch the database through the session it is given.
    """

    async def attempt() -> T:
        async with client.start_session() as session:
            await session.start_transaction(
                read_concern=ReadConcern("majority"), write_concern=WriteConcern("majority")
            )
            try:
                result = await work(session)
            except BaseException:
                if session.in_transaction:
                    with contextlib.suppress(PyMongoError):
                        await session.abort_transaction()
                raise
            await retry_transient(
                session.commit_transaction, what="commit", retry_if=_commit_result_unknown
            )
            return result

    return await retry_transient(attempt, what="transaction", retry_if=_may_run_again)


def _commit_result_unknown(error: BaseException) -> bool:
    return isinstance(error, PyMongoError) and error.has_error_label(COMMIT_RESULT_UNKNOWN)


def _may_run_again(error: BaseException) -> bool:
    # A commit that may have succeeded is not run again: the work would be done twice.
    return is_transient(error) and not _commit_result_unknown(error)


async def ping(client: AsyncMongoClient[Document]) -> bool:
    """Whether the database answers right now."""
    try:
        await client.admin.command("ping")
    except Exception:
        return False
    return True
