"""argon2id password hashes, computed off the event loop with bounded concurrency."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# RFC 9106's second recommended option (argon2-cffi's defaults): argon2id, 3 passes,
# 64 MiB, 4 lanes.
_HASHER = PasswordHasher()


class Passwords:
    """Hashes and verifies passwords in worker threads.

    An argon2id hash takes tens of milliseconds of CPU and 64 MiB: running it on the
    event loop would stall every request, and running many at once would exhaust
    memory, so at most ``concurrency`` run together.
    """

    def __init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        """The argon2id hash of ``password``."""
        async with self._slots:
            return await asyncio.to_thread(_HASHER.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches; with no hash (unknown account, not activated)
        a dummy hash is verified anyway so both answers take the same time."""
        if stored_hash is None:
            stored_hash = await self._dummy_hash()
            await self._check(stored_hash, password)
            return False
        return await self._check(stored_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        """Whether a hash was made with weaker parameters than today's."""
        return _HASHER.check_needs_rehash(stored_hash)

    async def _check(self, stored_hash: str, password: str) -> bool:
        async with self._slots:
            try:
                return await asyncio.to_thread(_HASHER.verify, stored_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False

    async def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = await self.hash("not-a-password: timing equaliser")
        return self._dummy
