"""How every replica of every service learns the tokens accounts withdrew.

Replicas of a service share their queues, so one replica receives each
``accounts.tokens.revoked``: it records it in the service's database, and every
replica reads what was recorded since its last look, once a second, into its token
verifier (``shared.http.revocations``). A replica that starts reads what is still
relevant; entries are deleted once no token issued before them can be valid.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pymongo.asynchronous.client_session import AsyncClientSession

from shared.bus import Subscription
from shared.contracts.accounts import TokensRevoked
from shared.events import Envelope
from shared.mongo import IndexSpec
from shared.periodic import every

if TYPE_CHECKING:
    from shared.runtime import ServiceContext

COLLECTION = "revoked_tokens"
REVOCATION_INDEXES = [IndexSpec(COLLECTION, [("noted_at", 1)], name="noted")]
HANDLER = "revoked_tokens"
# How often a replica looks for new entries: a withdrawn token stops working within
# about this long after the event arrives.
LOOK_SECONDS = 1.0
# Entries are read again this far back: a transaction that committed late, with an
# earlier ``noted_at``, is still seen.
LOOKBACK = timedelta(seconds=30)
# Expired entries are deleted every this many looks (every ~5 minutes).
PURGE_EVERY = 300


def _key(event: TokensRevoked) -> str:
    return f"session:{event.session_id}" if event.session_id else f"user:{event.user_id}"


def revocation_subscription(context: ServiceContext) -> Subscription:
    """The service's subscription that records what accounts withdrew."""
    keep = timedelta(seconds=context.platform.verifier.revocations.keep_seconds)

    async def record(event: TokensRevoked, envelope: Envelope, session: AsyncClientSession) -> None:
        noted_at = datetime.now(UTC)
        await context.db[COLLECTION].update_one(
            {"_id": _key(event)},
            {
                "$max": {"not_before": event.not_before, "expires_at": event.not_before + keep},
                "$set": {"noted_at": noted_at},
                "$setOnInsert": {"user_id": event.user_id, "session_id": event.session_id},
            },
            upsert=True,
            session=session,
        )

    return context.on(TokensRevoked, HANDLER, record)


class RevocationFeed:
    """Reads the service's recorded revocations into the process's token verifier."""

    def __init__(self, context: ServiceContext) -> None:
        self._collection = context.db[COLLECTION]
        self._revocations = context.platform.verifier.revocations
        self._since = datetime.min.replace(tzinfo=UTC)
        self._looks = 0

    async def look(self) -> int:
        """Read what was recorded since the last look; returns how many entries."""
        started = datetime.now(UTC)
        read = 0
        async for row in self._collection.find(
            {"noted_at": {"$gte": self._since}, "expires_at": {"$gt": started}}
        ):
            self._revocations.note(
                row["user_id"], row["not_before"].timestamp(), row.get("session_id")
            )
            read += 1
        self._since = started - LOOKBACK
        self._looks += 1
        if self._looks % PURGE_EVERY == 0:
            await self._collection.delete_many({"expires_at": {"$lte": started}})
        return read


async def follow_revocations(context: ServiceContext) -> None:
    """The worker that keeps this replica's verifier up to date, until cancelled."""
    feed = RevocationFeed(context)
    await every(LOOK_SECONDS, feed.look, what="reading revoked tokens")
