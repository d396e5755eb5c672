"""Rate limits counted in MongoDB, so every replica sees the same counts."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime

from aiohttp import web

from services.accounts.context import Accounts
from services.accounts.domain.throttle import Threshold, client_address, retry_after, window_start
from services.accounts.errors import TOO_MANY_ATTEMPTS, TOO_MANY_REQUESTS
from shared.http import ApiError


def address_of(accounts: Accounts, request: web.Request) -> str:
    """The client address to count (see :func:`client_address`)."""
    return client_address(
        request.remote, request.headers.get("X-Forwarded-For"), accounts.options.trusted_proxies
    )


def _digest(value: str) -> str:
    # Counters name an email only by its hash: no address of a non-member is stored.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def _window(seconds: int) -> tuple[int, datetime, float]:
    now = datetime.now(UTC).timestamp()
    start = window_start(now, seconds)
    return start, datetime.fromtimestamp(start + seconds, UTC), now


def _refusal(kind_error: ApiError, seconds: int) -> ApiError:
    kind_error.headers["Retry-After"] = str(seconds)
    kind_error.details = {"retry_after_seconds": seconds}
    return kind_error


class LoginGuard:
    """Failed sign-ins per account and per address: slowed, then refused for a while."""

    def __init__(self, accounts: Accounts, email: str, address: str) -> None:
        options = accounts.options
        self._accounts = accounts
        self._seconds = options.login_window_seconds
        start, self._expires_at, self._now = _window(self._seconds)
        self._account_key = f"login:account:{_digest(email)}:{start}"
        self._address_key = f"login:address:{address}:{start}"
        self._account = Threshold(
            options.login_slow_after_account,
            options.login_lock_after_account,
            options.login_max_delay_seconds,
        )
        self._address = Threshold(
            options.login_slow_after_address,
            options.login_lock_after_address,
            options.login_max_delay_seconds,
        )

    async def admit(self) -> None:
        """Refuse (429) a locked account or address; otherwise wait as the counts say."""
        counts = await self._accounts.store.counts([self._account_key, self._address_key])
        account, address = counts[self._account_key], counts[self._address_key]
        if self._account.locked(account) or self._address.locked(address):
            raise _refusal(TOO_MANY_ATTEMPTS.error(), retry_after(self._now, self._seconds))
        delay = max(self._account.delay(account), self._address.delay(address))
        if delay:
            await asyncio.sleep(delay)

    async def failed(self) -> None:
        """Count a failure against both the account and the address."""
        store = self._accounts.store
        await store.count(self._account_key, expires_at=self._expires_at)
        await store.count(self._address_key, expires_at=self._expires_at)

    async def succeeded(self) -> None:
        """A right password clears the account's failures (not the address's)."""
        await self._accounts.store.throttles.delete_one({"_id": self._account_key})


async def limit_requests(
    accounts: Accounts, *, action: str, keys: dict[str, int], window_seconds: int
) -> None:
    """Count one request of ``action`` under each key; 429 when one is over its limit.

    ``keys`` maps a key (an address, an email) to the number allowed per window.
    Counting every request, known email or not, keeps the answer free of any hint.
    """
    start, expires_at, now = _window(window_seconds)
    for key, allowed in keys.items():
        count = await accounts.store.count(
            f"{action}:{_digest(key)}:{start}", expires_at=expires_at
        )
        if count > allowed:
            raise _refusal(TOO_MANY_REQUESTS.error(), retry_after(now, window_seconds))
