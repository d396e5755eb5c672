"""Rate limits counted in MongoDB, so every replica sees the same counts."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from datetime import UTC, datetime

from aiohttp import web

from services.accounts.context import Accounts
from services.accounts.domain.account_holder import account_holder
from services.accounts.domain.throttle import Threshold, client_address, retry_after, window_start
from services.accounts.errors import TOO_MANY_ATTEMPTS, TOO_MANY_REQUESTS
from services.accounts.settings import LimitedAction
from shared.contracts.accounts import SignInAttacked
from shared.http import ApiError, ErrorKind
from shared.mongo import Document

log = logging.getLogger("services.accounts.throttling")


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
    """Password guesses, reserved before the password is checked (OWASP authentication).

    Each guess takes one attempt from two budgets in one conditional update each, so
    parallel guesses are counted like sequential ones on every replica: the account
    from this address (``login_*_after_account``) and the address across accounts
    (``login_*_after_address``). Later attempts wait longer; past a budget they are
    refused until the window ends. Failures on the account from every address are
    counted too: past ``login_attack_after_account`` the account is under attack, its
    owner is told, and only addresses that have not tried it yet get one attempt.
    The owner's way in stays open: a right password from such an address, or the
    emailed reset, which also lifts the address's budget for that account.
    """

    def __init__(self, accounts: Accounts, email: str, address: str, user: Document | None) -> None:
        options = accounts.options
        self._accounts = accounts
        self._user = user
        self._seconds = options.login_window_seconds
        start, self._expires_at, self._now = _window(self._seconds)
        self._window_start = datetime.fromtimestamp(start, UTC)
        account = _digest(email)
        self._pair_key = f"{pair_prefix(email)}{address}:{start}"
        self._address_key = f"login:address:{address}:{start}"
        self._account_key = f"login:account:{account}:{start}"
        self._pair = Threshold(
            options.login_slow_after_account,
            options.login_lock_after_account,
            options.login_max_delay_seconds,
        )
        self._address = Threshold(
            options.login_slow_after_address,
            options.login_lock_after_address,
            options.login_max_delay_seconds,
        )
        self._reserved: list[str] = []

    async def reserve(self) -> None:
        """Take this attempt from its budgets, or refuse it (429); then wait as they say."""
        store = self._accounts.store
        failures = (await store.throttles.counts([self._account_key]))[self._account_key]
        under_attack = failures >= self._accounts.options.login_attack_after_account
        pair_limit = 1 if under_attack else self._pair.lock_after
        pair = await store.throttles.reserve(
            self._pair_key, limit=pair_limit, expires_at=self._expires_at
        )
        if pair is None:
            raise self._refusal()
        self._reserved.append(self._pair_key)
        address = 0
        if not self._mailbox_proved():
            taken = await store.throttles.reserve(
                self._address_key, limit=self._address.lock_after, expires_at=self._expires_at
            )
            if taken is None:
                await self._give_back()
                raise self._refusal()
            self._reserved.append(self._address_key)
            address = taken
        # The n-th attempt waits as after n - 1 failures: a burst is slowed attempt by attempt.
        delay = max(self._pair.delay(pair - 1), self._address.delay(max(0, address - 1)))
        if delay:
            await asyncio.sleep(delay)

    async def failed(self) -> None:
        """A wrong password: the reservations stay; the account's failures grow."""
        failures = await self._accounts.store.throttles.count(
            self._account_key, expires_at=self._expires_at
        )
        if failures == self._accounts.options.login_attack_after_account:
            await self._under_attack(failures)

    async def succeeded(self) -> None:
        """A right password was not a guess: its reservations are given back."""
        await self._accounts.store.throttles.forget(self._pair_key)
        self._reserved.remove(self._pair_key)
        await self._give_back()

    def _mailbox_proved(self) -> bool:
        # A password reset (through the emailed link) in this window proves the owner:
        # failures of others behind the same address (a school's) do not lock them out.
        changed = self._user.get("password_changed_at") if self._user else None
        return changed is not None and _aware(changed) >= self._window_start

    async def _give_back(self) -> None:
        for key in self._reserved:
            await self._accounts.store.throttles.give_back(key)
        self._reserved.clear()

    def _refusal(self) -> ApiError:
        return _refusal(TOO_MANY_ATTEMPTS.error(), retry_after(self._now, self._seconds))

    async def _under_attack(self, failures: int) -> None:
        # Once per window (only the failure that reaches the threshold gets here): the
        # owner is told by email, and operators see it in the log.
        user = self._user
        if user is None or user.get("status") != "active":
            return
        log.warning(
            "sign-in attack on an account", extra={"user_id": user["_id"], "failures": failures}
        )
        told = SignInAttacked(
            **account_holder(user),
            failures=failures,
            window_minutes=max(1, self._seconds // 60),
        )
        await self._accounts.ctx.transaction(
            lambda session: self._accounts.ctx.outbox.add(told, session)
        )


def pair_prefix(email: str) -> str:
    """Start of the keys counting one account's attempts, whatever the address."""
    return f"login:pair:{_digest(email)}:"


async def clear_login_failures(accounts: Accounts, email: str) -> None:
    """Forget the account's failures (after its owner proved their mailbox)."""
    await accounts.store.throttles.forget_prefixed(pair_prefix(email))
    await accounts.store.throttles.forget_prefixed(f"login:account:{_digest(email)}:")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def limit_requests(
    accounts: Accounts,
    action: LimitedAction,
    *,
    refusal: ErrorKind = TOO_MANY_REQUESTS,
    **keys: str,
) -> None:
    """Count one request of ``action`` under each key; 429 when one is over its limit.

    ``keys`` name each key by its kind (``address=``, ``email=``, ``link=``), whose
    limit per window the settings give (:meth:`AccountsSettings.request_limits`).
    Counting every request, known email or not, keeps the answer free of any hint.
    ``refusal`` is the 429 answered (its message may say what to do instead).
    """
    window_seconds, allowed = accounts.options.request_limits(action)
    start, expires_at, now = _window(window_seconds)
    for kind, value in keys.items():
        count = await accounts.store.throttles.count(
            f"{action}:{_digest(f'{kind}:{value}')}:{start}", expires_at=expires_at
        )
        if count > allowed[kind]:
            raise _refusal(refusal.error(), retry_after(now, window_seconds))
