"""Heartbeats: a live process renews the short leases of the work it holds.

Claims (outbox entries, deliveries, scheduled steps) are held under short leases so
that a dead replica's work is taken over within seconds. A live replica whose work
takes longer than a lease (a slow SMTP server, a broker reconnecting) keeps it by
renewing the lease every few seconds, each renewal conditional on the claim token it
holds: once another replica has taken the work over, a renewal changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from pymongo.errors import InvalidOperation

from shared.transient import is_transient

log = logging.getLogger("shared.heartbeat")

# Renewals per lease: two may fail (the database away a moment) before a live
# replica's lease runs out.
BEATS_PER_LEASE = 3


def beat_seconds(lease_seconds: float) -> float:
    """How often a lease of ``lease_seconds`` is renewed."""
    return lease_seconds / BEATS_PER_LEASE


class Heartbeat:
    """Calls ``renew`` every ``every`` seconds while at least one holder is inside
    :meth:`held`; several concurrent holders share one beat."""

    def __init__(self, renew: Callable[[], Awaitable[object]], *, every: float, what: str) -> None:
        self._renew = renew
        self._every = every
        self._what = what
        self._holders = 0
        self._task: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Renew the leases while the body runs."""
        self._holders += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._beat(), name=f"heartbeat: {self._what}")
        try:
            yield
        finally:
            self._holders -= 1
            if self._holders == 0 and self._task is not None:
                task, self._task = self._task, None
                task.cancel()
                # Not ``await task``: that would swallow a cancellation of the holder.
                await asyncio.wait({task})

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self._every)
            try:
                await self._renew()
            except asyncio.CancelledError:
                raise
            except InvalidOperation:
                return  # the database client is closed: the process is stopping
            except Exception as error:
                # The next beat tries again; two missed beats still leave the lease.
                if is_transient(error):
                    log.warning("%s: lease not renewed: %s", self._what, type(error).__name__)
                else:
                    log.exception("%s: lease not renewed", self._what)
