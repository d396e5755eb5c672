"""The abuse limit on posting: at most so many messages per author in any minute.

The posts themselves are the record. Each message written through :meth:`post
<services.messaging.conversations.Conversations.post>` carries its author's window
bucket (``rate_bucket``: the author and the minute), so the posts of the last minute
of every author of a batch are found by one indexed point lookup of two buckets each,
inside the batch's own transaction: no write of its own, one read per batch rather than
per post. A process writes one batch at a time and counts the batch's posts in order,
so a burst from one person counts exactly; each replica counts what is committed, so
replicas posting for the same person in the same instant may each let the limit through.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from services.messaging.store import MessagingStore

WINDOW = timedelta(minutes=1)


class RateLimitedError(RuntimeError):
    """Too many messages in the last minute; ``retry_after`` seconds until the next slot."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class PostRate:
    """Says which posts of a batch fit in their authors' limit, and how long the others
    must wait."""

    def __init__(self, store: MessagingStore, limit: int, window: timedelta = WINDOW) -> None:
        self._store = store
        self._limit = limit
        self._window = window

    def bucket(self, author_id: str, at: datetime) -> str:
        """The ``rate_bucket`` of a message ``author_id`` posts at ``at``: windows are
        aligned, so the last window always lies in the current bucket and the one before."""
        number = int(at.astimezone(UTC).timestamp() // self._window.total_seconds())
        return f"{author_id}/{number}"

    async def refusals(
        self, posts: Sequence[tuple[str, datetime]], session: AsyncClientSession
    ) -> list[RateLimitedError | None]:
        """For each (author, time) in the order given: None when that post may be
        written, else why not. Allowed posts count against the ones after them."""
        buckets = {
            self.bucket(author_id, moment)
            for author_id, at in posts
            for moment in (at, at - self._window)
        }
        recent: defaultdict[str, list[datetime]] = defaultdict(list)
        for author_id, at in await self._store.posts_in_buckets(buckets, session):
            recent[author_id].append(at)
        answers: list[RateLimitedError | None] = []
        for author_id, now in posts:
            within = sorted(at for at in recent[author_id] if at > now - self._window)
            if len(within) >= self._limit:
                free_at = within[-self._limit] + self._window
                answers.append(RateLimitedError(max(1.0, (free_at - now).total_seconds())))
            else:
                recent[author_id].append(now)
                answers.append(None)
        return answers
