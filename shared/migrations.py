"""Versioned data migrations, run once per database at a service's start-up.

A service lists its migrations, numbered in the order they must run; start-up applies
those not yet recorded in the service's own ``migrations`` collection. Each is applied
once even when several replicas start together: a replica claims a migration by
inserting its row (the number is the row's key, so only one insert wins) under a short
lease renewed while it runs; the others wait for the row to say ``applied``. A replica
that dies mid-way leaves the lease to run out, and the next one to look runs the
migration again from the start: so every migration must be idempotent (written as
"set what is missing", never "add one").
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shared.heartbeat import Heartbeat, beat_seconds
from shared.mongo import Document

log = logging.getLogger("shared.migrations")

T = TypeVar("T")

COLLECTION = "migrations"
# Long enough for a renewal or two to fail, short enough that replicas starting after
# a crash do not wait long for the dead one's claim.
LEASE_SECONDS = 30.0
# How often a replica waiting for another's migration looks again.
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Migration(Generic[T]):
    """One numbered change of a service's stored data, given the service's resources."""

    number: int
    name: str
    apply: Callable[[T], Awaitable[None]]


class MigrationError(RuntimeError):
    """A migration raised: the service does not start, and the next start tries again."""


async def migrate(
    db: AsyncDatabase[Document],
    migrations: Sequence[Migration[T]],
    resources: T,
    *,
    lease_seconds: float = LEASE_SECONDS,
    poll_seconds: float = POLL_SECONDS,
) -> list[int]:
    """Apply, in order, the migrations not yet recorded in ``db``; returns the numbers
    this call applied itself (those another replica applied meanwhile are not listed).
    """
    numbers = [migration.number for migration in migrations]
    if numbers != sorted(set(numbers)):
        raise ValueError(f"migrations must have distinct increasing numbers, got {numbers}")
    rows: AsyncCollection[Document] = db[COLLECTION]
    applied: list[int] = []
    for migration in migrations:
        if await _run_once(rows, migration, resources, lease_seconds, poll_seconds):
            applied.append(migration.number)
    return applied


async def applied_migrations(db: AsyncDatabase[Document]) -> list[int]:
    """The numbers of the migrations recorded as applied in ``db``, in order."""
    rows = db[COLLECTION].find({"state": "applied"}, {"_id": 1}).sort("_id", 1)
    return [row["_id"] async for row in rows]


async def _run_once(
    rows: AsyncCollection[Document],
    migration: Migration[T],
    resources: T,
    lease_seconds: float,
    poll_seconds: float,
) -> bool:
    """Apply ``migration`` unless it is, or gets, applied by someone else: True if this
    call applied it."""
    token = uuid.uuid4().hex
    while True:
        if await _claim(rows, migration, token, lease_seconds):
            await _apply(rows, migration, resources, token, lease_seconds)
            return True
        row = await rows.find_one({"_id": migration.number})
        if row is not None and row.get("state") == "applied":
            return False
        # Another replica holds it (or a dead one did, until its lease runs out).
        await asyncio.sleep(poll_seconds)


async def _claim(
    rows: AsyncCollection[Document], migration: Migration[T], token: str, lease_seconds: float
) -> bool:
    """Take the migration: a new row (one insert wins), or a running one whose lease ran out."""
    now = datetime.now(UTC)
    claim = {
        "name": migration.name,
        "state": "running",
        "owner": token,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "started_at": now,
    }
    try:
        await rows.insert_one({"_id": migration.number, **claim})
        return True
    except DuplicateKeyError:
        pass
    taken = await rows.update_one(
        {"_id": migration.number, "state": "running", "lease_until": {"$lt": now}},
        {"$set": claim},
    )
    if taken.modified_count:
        log.warning(
            "migration %d (%s) left unfinished by a stopped process: running it again",
            migration.number,
            migration.name,
        )
    return bool(taken.modified_count)


async def _apply(
    rows: AsyncCollection[Document],
    migration: Migration[T],
    resources: T,
    token: str,
    lease_seconds: float,
) -> None:
    mine = {"_id": migration.number, "owner": token}

    async def renew() -> None:
        until = datetime.now(UTC) + timedelta(seconds=lease_seconds)
        await rows.update_one({**mine, "state": "running"}, {"$set": {"lease_until": until}})

    heartbeat = Heartbeat(
        renew, every=beat_seconds(lease_seconds), what=f"migration {migration.number}"
    )
    log.info("applying migration %d (%s)", migration.number, migration.name)
    try:
        async with heartbeat.held():
            await migration.apply(resources)
    except Exception as error:
        # Free the claim at once, so the next start (of any replica) tries again.
        await rows.delete_one({**mine, "state": "running"})
        raise MigrationError(f"migration {migration.number} ({migration.name}) failed") from error
    await rows.update_one(
        mine,
        {
            "$set": {"state": "applied", "applied_at": datetime.now(UTC)},
            "$unset": {"lease_until": ""},
        },
    )
    log.info("migration %d (%s) applied", migration.number, migration.name)
