"""Transactional outbox and its relay.

A state change and the events it emits are written in the same transaction: the
event sits in the service's ``outbox`` collection until the relay publishes it and
marks it. A process that dies between the write and the publish leaves the entry
behind; the next sweep (of any replica) publishes it. Several replicas claim entries
with a lease so each entry is normally published by one of them; a rare double
publish is harmless because consumers are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.bus import Bus, UnroutableEventError
from shared.events import Envelope, Event
from shared.mongo import Document, IndexSpec

log = logging.getLogger("shared.outbox")

COLLECTION = "outbox"
# Published entries are kept a week for investigation, then swept by MongoDB.
PUBLISHED_RETENTION_SECONDS = 7 * 86_400
# How long a claimed batch stays reserved by one relay before another may take it.
LEASE = timedelta(seconds=30)
BATCH = 200
MAX_BACKOFF_SECONDS = 300.0

OUTBOX_INDEXES = [
    IndexSpec(COLLECTION, [("published_at", 1), ("available_at", 1)], name="pending"),
    IndexSpec(COLLECTION, [("claim", 1)], name="claim"),
    IndexSpec(
        COLLECTION,
        [("published_at", 1)],
        name="published_ttl",
        expire_after_seconds=PUBLISHED_RETENTION_SECONDS,
        partial={"published_at": {"$type": "date"}},
    ),
]


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """Where a service writes the events of a state change, inside its transaction."""

    def __init__(self, db: AsyncDatabase[Document], producer: str) -> None:
        self._collection = db[COLLECTION]
        self.producer = producer
        self._wake = asyncio.Event()

    async def add(
        self,
        event: Event,
        session: AsyncClientSession | None,
        *,
        correlation_id: str | None = None,
    ) -> Envelope:
        """Record ``event`` in the outbox within ``session``'s transaction.

        Call :meth:`wake` after the commit so the relay publishes it at once; the
        periodic sweep publishes it anyway.
        """
        envelope = Envelope.wrap(event, producer=self.producer, correlation_id=correlation_id)
        await self._collection.insert_one(_entry(envelope), session=session)
        return envelope

    async def add_many(
        self, events: Sequence[Event], session: AsyncClientSession | None
    ) -> list[Envelope]:
        """Record several events in one write."""
        envelopes = [Envelope.wrap(event, producer=self.producer) for event in events]
        if envelopes:
            await self._collection.insert_many(
                [_entry(envelope) for envelope in envelopes], session=session
            )
        return envelopes

    def wake(self) -> None:
        """Tell the relay there is something to publish."""
        self._wake.set()

    async def pending_count(self) -> int:
        """How many entries still wait to be published (health and tests)."""
        return await self._collection.count_documents({"published_at": None})

    async def relay_forever(self, bus: Bus, sweep_seconds: float) -> None:
        """Publish pending entries as they come, and sweep every ``sweep_seconds``."""
        while True:
            try:
                while await self.relay_once(bus):
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay pass failed; retrying at the next sweep")
            # Not asyncio.wait_for: on Python 3.11 it swallows a cancellation that
            # arrives as the event is set, and the relay then never stops.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(sweep_seconds):
                    await self._wake.wait()
            self._wake.clear()

    async def relay_once(self, bus: Bus) -> int:
        """Claim one batch of due entries and publish it; returns how many were claimed."""
        entries = await self._claim_batch()
        if not entries:
            return 0
        envelopes = [Envelope.model_validate(entry["envelope"]) for entry in entries]
        results = await bus.publish_many(envelopes)
        now = _now()
        published = [e["_id"] for e, error in zip(entries, results, strict=True) if error is None]
        if published:
            await self._collection.update_many(
                {"_id": {"$in": published}},
                # The data may carry secrets (links): once published it is not needed.
                {"$set": {"published_at": now}, "$unset": {"claim": "", "envelope.data": ""}},
            )
        for entry, error in zip(entries, results, strict=True):
            if error is not None:
                await self._postpone(entry, error, now)
        return len(entries)

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
            {"$set": {"available_at": now + LEASE, "claim": claim}},
        )
        return [doc async for doc in self._collection.find({"claim": claim}).sort("created_at", 1)]

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
        await self._collection.update_one(
            {"_id": entry["_id"]},
            {
                "$set": {
                    "available_at": now + timedelta(seconds=delay),
                    "attempts": attempts,
                    "last_error": f"{type(error).__name__}: {error}"[:500],
                },
                "$unset": {"claim": ""},
            },
        )


def _entry(envelope: Envelope) -> dict[str, Any]:
    now = _now()
    return {
        "_id": str(envelope.id),
        "type": envelope.type,
        "envelope": envelope.model_dump(mode="json"),
        "created_at": now,
        "available_at": now,
        "published_at": None,
        "attempts": 0,
    }
