"""MongoDB collections of accounts, their indexes, and the queries that need care.

Collections: ``users`` (one document per person, role-specific parts nested),
``link_tokens`` (hashes of the tokens in emailed links), ``sessions`` (refresh-token
families), ``throttles`` (rate-limit counters), ``charter_acceptances``,
``organizations``, ``record_documents`` (criminal-record extracts awaiting a decision),
``directory`` (listed ambassadors and their search keys), ``directory_terms``
(document frequency of each search key), ``meta``, and for personal data:
``audit`` (reads of people's data by referents and admins), ``erasures`` (which
services confirmed a deleted account's erasure), ``export_requests`` and
``export_parts`` (the other services' answers to an export, kept until delivered); and
``partner_requests`` (organisations asking to become partners, kept a year).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.accounts.domain.search import SLICES, SearchPlan
from shared.mongo import Document, IndexSpec

Session = AsyncClientSession | None

# Expired rows are swept by MongoDB this long after their expiry; the rules themselves
# check expiry in code (a TTL sweep runs once a minute at best).
_CLEANUP_GRACE_SECONDS = 86_400
# Export requests and parts nobody collected (the person gave up) go after a day: the
# parts hold personal data that must not linger.
_EXPORT_CLEANUP_SECONDS = 86_400

INDEXES: list[IndexSpec] = [
    IndexSpec("users", [("email", 1)], name="email_unique", unique=True),
    IndexSpec("users", [("role", 1), ("status", 1)], name="role_status"),
    IndexSpec(
        "users",
        [("ambassador.organization_id", 1)],
        name="ambassador_organization",
        partial={"role": "ambassador"},
    ),
    IndexSpec("link_tokens", [("user_id", 1), ("purpose", 1)], name="user_purpose"),
    IndexSpec(
        "link_tokens",
        [("expires_at", 1)],
        name="expired_cleanup",
        expire_after_seconds=_CLEANUP_GRACE_SECONDS,
    ),
    IndexSpec("sessions", [("user_id", 1)], name="user"),
    IndexSpec(
        "sessions",
        [("expires_at", 1)],
        name="expired_cleanup",
        expire_after_seconds=_CLEANUP_GRACE_SECONDS,
    ),
    IndexSpec("throttles", [("expires_at", 1)], name="expired_cleanup", expire_after_seconds=0),
    IndexSpec("charter_acceptances", [("user_id", 1), ("accepted_at", 1)], name="user"),
    IndexSpec(
        "organizations",
        [("siret", 1)],
        name="siret_unique",
        unique=True,
        partial={"siret": {"$type": "string"}},
    ),
    IndexSpec("organizations", [("name_key", 1), ("_id", 1)], name="name"),
    IndexSpec("directory", [("keys", 1), ("slice", 1), ("_id", 1)], name="search"),
    # Referents' work queue: extracts waiting for a decision, oldest first.
    IndexSpec(
        "users",
        [("ambassador.record_document.uploaded_at", 1), ("_id", 1)],
        name="record_queue",
        partial={"ambassador.record_document.uploaded_at": {"$type": "date"}},
    ),
    # The record-check worker: verified checks by end of validity.
    IndexSpec(
        "users",
        [("ambassador.record.status", 1), ("ambassador.record.valid_until", 1)],
        name="record_validity",
        partial={"role": "ambassador"},
    ),
    # The retention worker: accounts by last sign-in, those already warned, and those
    # never activated by age.
    IndexSpec("users", [("last_seen_at", 1)], name="last_seen"),
    # The administrators' list of accounts, newest first, of all roles or one.
    IndexSpec("users", [("created_at", -1), ("_id", -1)], name="newest"),
    IndexSpec("users", [("role", 1), ("created_at", -1), ("_id", -1)], name="newest_by_role"),
    IndexSpec("users", [("status", 1), ("created_at", 1)], name="status_created"),
    IndexSpec(
        "users",
        [("inactivity_warned_at", 1)],
        name="inactivity_warned",
        partial={"inactivity_warned_at": {"$type": "date"}},
    ),
    IndexSpec(
        "users",
        [("partner.organization_id", 1)],
        name="partner_organization",
        partial={"role": "partner"},
    ),
    IndexSpec("audit", [("user_id", 1), ("at", -1), ("_id", -1)], name="by_user"),
    IndexSpec("audit", [("actor_id", 1), ("at", -1), ("_id", -1)], name="by_actor"),
    IndexSpec("audit", [("at", -1), ("_id", -1)], name="by_time"),
    # Clean-up only: the retention is written on each entry as it is made.
    IndexSpec("audit", [("expires_at", 1)], name="expired_cleanup", expire_after_seconds=0),
    IndexSpec("erasures", [("requested_at", -1), ("_id", -1)], name="by_time"),
    IndexSpec(
        "erasures", [("completed_at", 1), ("requested_at", -1), ("_id", -1)], name="by_state"
    ),
    IndexSpec("export_requests", [("user_id", 1), ("created_at", -1)], name="by_user"),
    IndexSpec(
        "export_requests",
        [("created_at", 1)],
        name="expired_cleanup",
        expire_after_seconds=_EXPORT_CLEANUP_SECONDS,
    ),
    IndexSpec("export_parts", [("request_id", 1)], name="by_request"),
    IndexSpec(
        "export_parts",
        [("received_at", 1)],
        name="expired_cleanup",
        expire_after_seconds=_EXPORT_CLEANUP_SECONDS,
    ),
    # Partnership requests, newest first for the admins; clean-up after their retention.
    IndexSpec("partner_requests", [("created_at", -1), ("_id", -1)], name="by_time"),
    IndexSpec(
        "partner_requests", [("expires_at", 1)], name="expired_cleanup", expire_after_seconds=0
    ),
]


class AccountsStore:
    """The collections of the accounts database."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.users: AsyncCollection[Document] = db["users"]
        self.link_tokens: AsyncCollection[Document] = db["link_tokens"]
        self.sessions: AsyncCollection[Document] = db["sessions"]
        self.throttles: AsyncCollection[Document] = db["throttles"]
        self.charter_acceptances: AsyncCollection[Document] = db["charter_acceptances"]
        self.organizations: AsyncCollection[Document] = db["organizations"]
        self.record_documents: AsyncCollection[Document] = db["record_documents"]
        self.directory: AsyncCollection[Document] = db["directory"]
        self.directory_terms: AsyncCollection[Document] = db["directory_terms"]
        self.meta: AsyncCollection[Document] = db["meta"]
        self.audit: AsyncCollection[Document] = db["audit"]
        self.erasures: AsyncCollection[Document] = db["erasures"]
        self.export_requests: AsyncCollection[Document] = db["export_requests"]
        self.export_parts: AsyncCollection[Document] = db["export_parts"]
        self.partner_requests: AsyncCollection[Document] = db["partner_requests"]

    # --- link tokens -------------------------------------------------------------

    async def consume_link(
        self, token_hash: str, purpose: str, session: Session
    ) -> Document | None:
        """Take a link token out of the store (single use): the row, or None if unknown."""
        return await self.link_tokens.find_one_and_delete(
            {"_id": token_hash, "purpose": purpose}, session=session
        )

    async def replace_links(
        self, user_id: str, purpose: str, row: Document, session: Session
    ) -> None:
        """Void the user's earlier links of this purpose and store the new one."""
        await self.link_tokens.delete_many(
            {"user_id": user_id, "purpose": purpose}, session=session
        )
        await self.link_tokens.insert_one(row, session=session)

    # --- throttles ---------------------------------------------------------------

    async def count(self, key: str, *, expires_at: datetime, increment: int = 1) -> int:
        """Add ``increment`` to a window's counter and return its new value (atomic)."""
        row = await self.throttles.find_one_and_update(
            {"_id": key},
            {"$inc": {"count": increment}, "$setOnInsert": {"expires_at": expires_at}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(row["count"]) if row else increment

    async def reserve(self, key: str, *, limit: int, expires_at: datetime) -> int | None:
        """Take one of ``limit`` attempts under ``key``: the new count, or None if none is left.

        The check and the count are one conditional update, so concurrent attempts on
        any replica never take more than ``limit`` between them.
        """
        with contextlib.suppress(DuplicateKeyError):  # a concurrent attempt created it
            await self.throttles.update_one(
                {"_id": key},
                {"$setOnInsert": {"count": 0, "expires_at": expires_at}},
                upsert=True,
            )
        row = await self.throttles.find_one_and_update(
            {"_id": key, "count": {"$lt": limit}},
            {"$inc": {"count": 1}},
            return_document=ReturnDocument.AFTER,
        )
        return None if row is None else int(row["count"])

    async def counts(self, keys: Sequence[str]) -> dict[str, int]:
        """Current values of several counters (absent ones are zero)."""
        found = {
            row["_id"]: int(row.get("count", 0))
            async for row in self.throttles.find({"_id": {"$in": list(keys)}})
        }
        return {key: found.get(key, 0) for key in keys}

    # --- sessions ----------------------------------------------------------------

    async def rotate_refresh(
        self, session_id: str, presented_hash: str, new_hash: str, now: datetime
    ) -> Document | None:
        """Swap the session's current refresh hash for a new one if ``presented_hash`` is it."""
        return await self.sessions.find_one_and_update(
            {
                "_id": session_id,
                "refresh_hash": presented_hash,
                "revoked_at": None,
                "expires_at": {"$gt": now},
            },
            {
                "$set": {"refresh_hash": new_hash, "last_used_at": now},
                "$push": {"used_hashes": {"$each": [presented_hash], "$slice": -50}},
            },
            return_document=ReturnDocument.AFTER,
        )

    async def revoke_sessions(
        self,
        user_id: str,
        now: datetime,
        session: Session,
        *,
        except_session: str | None = None,
    ) -> None:
        """End every live session of a user (but ``except_session``)."""
        query: dict[str, Any] = {"user_id": user_id, "revoked_at": None}
        if except_session is not None:
            query["_id"] = {"$ne": except_session}
        await self.sessions.update_many(query, {"$set": {"revoked_at": now}}, session=session)

    # --- directory ---------------------------------------------------------------

    async def frequencies(self, keys: Sequence[str]) -> dict[str, int]:
        """How many listed profiles hold each key."""
        return {
            row["_id"]: int(row.get("df", 0))
            async for row in self.directory_terms.find({"_id": {"$in": list(keys)}})
        }

    async def apply_frequency_changes(self, changes: Mapping[str, int]) -> None:
        """Add the given deltas to the document frequencies.

        Done after the listing's transaction commits, not inside it: every listing
        touches the same few counters (``*``, departments), which would make
        concurrent transactions conflict. They only steer the query plan, so a count
        off by one after a crash changes speed, never results.
        """
        operations = [
            UpdateOne({"_id": key}, {"$inc": {"df": delta}}, upsert=True)
            for key, delta in changes.items()
            if delta
        ]
        if operations:
            await self.directory_terms.bulk_write(operations, ordered=False)

    async def rebuild_frequencies(self) -> int:
        """Recount every key's document frequency from the directory; returns the key count."""
        counts: dict[str, int] = {}
        async for row in self.directory.find({}, {"keys": 1}):
            for key in set(row.get("keys", [])):
                counts[key] = counts.get(key, 0) + 1
        await self.directory_terms.delete_many({})
        rows = [{"_id": key, "df": count} for key, count in counts.items()]
        for start in range(0, len(rows), 1000):
            await self.directory_terms.insert_many(rows[start : start + 1000])
        return len(rows)

    async def search(
        self,
        plan: SearchPlan,
        *,
        limit: int,
        after: tuple[int, str] | None,
        projection: Mapping[str, Any],
    ) -> list[Document]:
        """Up to ``limit`` listed profiles matching the plan, in (slice, id) order after ``after``.

        Walks the lead key's index entries ``plan.slices_per_round`` slices at a time,
        widening the rounds after one that finds too little, until the page is full.
        """
        if plan.empty:
            return []
        found: list[Document] = []
        start, after_id = (after[0], after[1]) if after else (0, None)
        width = plan.slices_per_round
        while len(found) < limit and start < SLICES:
            end = min(SLICES, start + width)
            narrowing: dict[str, Any] = {}
            if plan.others:
                narrowing["keys"] = {"$all": list(plan.others)}
            if after_id is not None:
                narrowing["$or"] = [
                    {"slice": {"$gt": start}},
                    {"slice": start, "_id": {"$gt": after_id}},
                ]
            pipeline: list[dict[str, Any]] = [
                {"$match": {"keys": plan.lead, "slice": {"$gte": start, "$lt": end}}},
            ]
            if narrowing:
                pipeline.append({"$match": narrowing})
            pipeline += [
                {"$sort": {"slice": 1, "_id": 1}},
                {"$limit": limit - len(found)},
                {"$project": dict(projection)},
            ]
            cursor = await self.directory.aggregate(pipeline)
            batch = await cursor.to_list()
            found.extend(batch)
            missing = limit - len(found)
            if missing > 0:
                # The other keys are rarer among these candidates than planned: size the
                # next round from this one's yield, to find twice what is still missing
                # (four times the slices when it found nothing). Rounds never narrow.
                read = end - start
                grown = -(-read * missing * 2 // len(batch)) if batch else read * 4
                width = max(width, grown)
            start, after_id = end, None
        return found
