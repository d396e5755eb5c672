"""The abuse limit on posting: at most so many messages per author in any minute.

The posts themselves are the record: an author's messages of the last minute are read
by the ``by_author`` index, so a post costs one read and no write of its own. An
author's posts go one at a time in a process (a lock held until the post is
committed), so a burst from one person counts exactly; each replica counts what is
committed, so replicas posting for the same person at the same instant can let
through at most one extra message each.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from services.messaging.store import MessagingStore

WINDOW = timedelta(minutes=1)


class RateLimitedError(RuntimeError):
    """Too many messages in the last minute; ``retry_after`` seconds until the next slot."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class PostRate:
    """Hands out the turn to post, or says how long to wait for it."""

    def __init__(self, store: MessagingStore, limit: int, window: timedelta = WINDOW) -> None:
        self._store = store
        self._limit = limit
        self._window = window
        # One lock per author posting right now; gone once nobody holds or awaits it.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @contextlib.asynccontextmanager
    async def turn(self, author_id: str) -> AsyncIterator[None]:
        """Post inside this block; ``RateLimitedError`` when the author already wrote
        the limit in the last window (API and email alike)."""
        lock = self._locks.get(author_id)
        if lock is None:
            lock = self._locks[author_id] = asyncio.Lock()
        async with lock:
            now = datetime.now(UTC)
            recent = sorted(await self._store.posts_since(author_id, now - self._window))
            if len(recent) >= self._limit:
                free_at = recent[-self._limit] + self._window
                raise RateLimitedError(max(1.0, (free_at - now).total_seconds()))
            yield
