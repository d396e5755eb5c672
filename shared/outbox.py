"""Transactional outbox and its relay.

A state change and the events it emits are written in the same transaction: the
event sits in the service's ``outbox`` collection until the relay publishes it and
marks it.

The process that writes an entry claims it at once (a lease) and, once its
transaction has committed, publishes it from what it remembers: a find by key, the
publish, one write to mark the batch, and no claim to take. An entry whose process
died before publishing, or that the broker refused, is found by the sweep that every
replica runs: once its lease has run out, any replica claims and publishes it. While
the relay runs, a heartbeat renews the leases of the entries this process holds (written
and not yet published, or being published), so a publish slowed by a reconnecting
broker keeps them, and the lease can be short. A rare double publish (a process
frozen past its lease) is harmless: consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import InsertOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.bus import Bus, UnroutableEventError
from shared.events import Envelope, Event
from shared.heartbeat import Heartbeat, beat_seconds
from shared.mongo import Document, IndexSpec
from shared.periodic import raise_if_stopping, run_pass
from shared.tracing import current_carrier
from shared.transient import retry_transient

log = logging.getLogger("shared.outbox")

COLLECTION = "outbox"
# Published entries are kept a week for investigation, then deleted by the sweep.
PUBLISHED_RETENTION = timedelta(days=7)
PURGE_EVERY_SECONDS = 3_600.0
# How long an entry stays reserved by the relay that claimed it (at its writing or
# by a sweep) before another may take it: bounds how late a crashed process's events
# go out.
LEASE = timedelta(seconds=10)
BATCH = 200
MAX_BACKOFF_SECONDS = 300.0

# One index: the sweep (pending entries by due time) and the purge (published
# before a date). Everything else is found by key; each index makes every write of
# an entry dearer.
OUTBOX_INDEXES = [
    IndexSpec(COLLECTION, [("published_at", 1), ("available_at", 1)], name="pending"),
]


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """Where a service writes the events of a state change, inside its transaction."""

    def __init__(
        self, db: AsyncDatabase[Document], producer: str, *, lease: timedelta = LEASE
    ) -> None:
        self._collection = db[COLLECTION]
        self.producer = producer
        self._lease = lease
        # This process's claim on the entries it writes.
        self._claim = secrets.token_hex(8)
        # Entries written by this process and not yet seen committed: id -> when
        # written (monotonic). An aborted transaction's ids are forgotten after a while.
        self._written: dict[str, float] = {}
        self._wake = asyncio.Event()
        self._purged_at = -PURGE_EVERY_SECONDS
        # The entries being published now (their leases are renewed with the written).
        self._in_hand: list[Document] = []
        self._heartbeat = Heartbeat(
            self._renew_leases, every=beat_seconds(lease.total_seconds()), what="outbox relay"
        )

    async def add(
        self,
        event: Event,
        session: AsyncClientSession | None,
        *,
        correlation_id: str | None = None,
    ) -> Envelope:
        """Record ``event`` in the outbox within ``session``'s transaction.

        Call :meth:`wake` after the commit so the relay publishes it at once; the
        sweep publishes it anyway once its lease has run out.
        """
        envelope = Envelope.wrap(event, producer=self.producer, correlation_id=correlation_id)
        await self._collection.insert_one(self._entry(envelope), session=session)
        return envelope

    def insert_ops(
        self, events: Sequence[Event], *, trace: Mapping[str, str] | None = None
    ) -> list[InsertOne[Document]]:
        """The writes recording ``events``, for a client bulk write in the caller's
        transaction (one request with the state change); call :meth:`wake` after the
        commit. ``trace``: the trace context they continue, when not the current one
        (a request's events written by a batch of several)."""
        namespace = self._collection.full_name
        return [
            InsertOne(
                self._entry(Envelope.wrap(event, producer=self.producer), trace),
                namespace=namespace,
            )
            for event in events
        ]

    def wake(self) -> None:
        """Tell the relay there is something to publish."""
        self._wake.set()

    async def pending_count(self) -> int:
        """How many entries still wait to be published (health and tests)."""
        return await self._collection.count_documents({"published_at": None})

    async def backlog(self) -> tuple[int, datetime | None]:
        """How many entries wait to be published, and when the oldest was written.

        One aggregation over the unpublished entries only (the ``pending`` index):
        normally none or a few, so it stays cheap at every scrape.
        """
        groups = await self._collection.aggregate(
            [
                {"$match": {"published_at": None}},
                {
                    "$group": {
                        "_id": None,
                        "waiting": {"$sum": 1},
                        "oldest": {"$min": "$created_at"},
                    }
                },
            ]
        )
        found = [group async for group in groups]
        if not found:
            return 0, None
        return int(found[0]["waiting"]), found[0]["oldest"]

    async def relay_forever(self, bus: Bus, sweep_seconds: float) -> None:
        """Publish this process's entries as their transactions commit, and sweep for
        everyone's leftovers every ``sweep_seconds`` (at once on start)."""
        async with self._heartbeat.held():
            await self._relay(bus, sweep_seconds)

    async def _renew_leases(self) -> None:
        """The heartbeat: keep the entries this process holds, while unpublished."""
        ids = [*self._written, *(entry["_id"] for entry in self._in_hand)]
        if not ids:
            return
        claims = {self._claim, *(str(entry.get("claim")) for entry in self._in_hand)}
        await self._collection.update_many(
            {"_id": {"$in": ids}, "claim": {"$in": list(claims)}, "published_at": None},
            {"$set": {"available_at": _now() + self._lease}},
        )

    async def _relay(self, bus: Bus, sweep_seconds: float) -> None:
        swept_at = time.monotonic() - sweep_seconds

        async def relay_pass() -> None:
            nonlocal swept_at
            while await self._publish(bus, await self._written_entries()):
                pass
            # Timed apart from the wake-ups: a busy service still sweeps.
            if time.monotonic() - swept_at >= sweep_seconds:
                swept_at = time.monotonic()
                while await self._publish(bus, await self._claim_batch()):
                    pass
                await self._purge_published()

        while True:
            raise_if_stopping()
            # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that
            # arrives as the event is set, and the relay then never stops.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, swept_at + sweep_seconds - time.monotonic())):
                    await self._wake.wait()
            self._wake.clear()
            if not await run_pass(
                relay_pass, what="outbox relay", next_try="the next sweep", logger=log
            ):
                return

    async def relay_once(self, bus: Bus) -> int:
        """Publish what this process wrote, or else one batch of due entries; returns
        how many entries were handled."""
        handled = await self._publish(bus, await self._written_entries())
        if handled:
            return handled
        return await self._publish(bus, await self._claim_batch())

    async def _publish(self, bus: Bus, entries: list[Document]) -> int:
        if not entries:
            return 0
        envelopes = [
            Envelope.model_validate({**entry["envelope"], "trace_context": entry.get("trace", {})})
            for entry in entries
        ]
        self._in_hand = entries
        try:
            results = await bus.publish_many(envelopes)
        finally:
            self._in_hand = []
        now = _now()
        published = [e["_id"] for e, error in zip(entries, results, strict=True) if error is None]
        if published:
            # Published: a transient error here must not leave them to be sent again.
            await retry_transient(
                lambda: self._collection.update_many(
                    {"_id": {"$in": published}},
                    # The data may carry secrets (links): once published it is not needed.
                    {"$set": {"published_at": now}, "$unset": {"claim": "", "envelope.data": ""}},
                ),
                what="outbox marking",
            )
        for entry, error in zip(entries, results, strict=True):
            if error is not None:
                await self._postpone(entry, error, now)
        return len(entries)

    def _entry(self, envelope: Envelope, trace: Mapping[str, str] | None = None) -> dict[str, Any]:
        now = _now()
        self._written[str(envelope.id)] = time.monotonic()
        return {
            "_id": str(envelope.id),
            "type": envelope.type,
            "envelope": envelope.model_dump(mode="json"),
            # The context of the request (or handler) writing it: its trace goes on.
            "trace": dict(trace) if trace is not None else current_carrier(),
            "created_at": now,
            # Claimed by this process from the start: no sweep takes it meanwhile.
            "available_at": now + self._lease,
            "claim": self._claim,
            "published_at": None,
            "attempts": 0,
        }

    async def _written_entries(self) -> list[Document]:
        """This process's entries whose transaction has committed, oldest first."""
        if not self._written:
            return []
        ids = list(self._written)[:BATCH]
        entries = [
            doc
            async for doc in self._collection.find(
                {"_id": {"$in": ids}, "claim": self._claim, "published_at": None}
            )
        ]
        found = {doc["_id"] for doc in entries}
        # Not there (yet): a transaction still open, or one that was rolled back. Kept
        # for half a lease, then left to the sweep.
        forget_before = time.monotonic() - self._lease.total_seconds() / 2
        for entry_id in ids:
            if entry_id in found or self._written[entry_id] < forget_before:
                del self._written[entry_id]
        entries.sort(key=lambda doc: doc["created_at"])
        return entries

    async def _claim_batch(self) -> list[Document]:
        now = _now()
        due = {"published_at": None, "available_at": {"$lte": now}}
        ids = [
            doc["_id"]
            async for doc in self._collection.find(due, {"_id": 1})
            .sort("available_at", 1)
            .limit(BATCH)
        ]
        if not ids:
            return []
        claim = secrets.token_hex(8)
        await self._collection.update_many(
            {"_id": {"$in": ids}, **due},
            {"$set": {"available_at": now + self._lease, "claim": claim}},
        )
        entries = [
            doc async for doc in self._collection.find({"_id": {"$in": ids}, "claim": claim})
        ]
        entries.sort(key=lambda doc: doc["created_at"])
        return entries

    async def _purge_published(self) -> None:
        if time.monotonic() - self._purged_at < PURGE_EVERY_SECONDS:
            return
        self._purged_at = time.monotonic()
        await self._collection.delete_many({"published_at": {"$lt": _now() - PUBLISHED_RETENTION}})

    async def _postpone(self, entry: Document, error: BaseException, now: datetime) -> None:
        attempts = int(entry.get("attempts", 0)) + 1
        delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(attempts, 12))
        level = logging.WARNING if isinstance(error, UnroutableEventError) else logging.ERROR
        log.log(
            level,
            "outbox entry not published, retrying in %.1f s: %s",
            delay,
            type(error).__name__,
            extra={"event_id": entry["_id"], "event_type": entry["type"], "attempts": attempts},
        )
        await retry_transient(
            lambda: self._collection.update_one(
                {"_id": entry["_id"]},
                {
                    "$set": {
                        "available_at": now + timedelta(seconds=delay),
                        "attempts": attempts,
                        "last_error": f"{type(error).__name__}: {error}"[:500],
                    },
                    "$unset": {"claim": ""},
                },
            ),
            what="outbox postponing",
        )
