"""Passwords and sessions: sign-in, refresh, sign-out, lost password, password change.

A session is a family of refresh tokens: each refresh hands out a new token and
retires the old one; presenting a retired token again means it was copied, so the
whole family is revoked. Access tokens are short-lived JWTs that other services
verify locally: after sign-out or revocation, an access token already issued stays
valid elsewhere until it expires (``ACCESS_TOKEN_TTL_SECONDS``, 15 minutes by
default). Accounts itself checks the session on every authenticated request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.demo import has_published_password, is_loopback
from services.accounts.domain.account_holder import account_holder
from services.accounts.domain.links import LinkToken
from services.accounts.domain.staff import is_verified, stored_establishment
from services.accounts.errors import (
    INVALID_CREDENTIALS,
    LINK_INVALID,
    SESSION_ENDED,
    WRONG_PASSWORD,
)
from services.accounts.joining import (
    activate,
    check_new_password,
    link_row,
    password_from_link,
    send_link,
)
from services.accounts.shapes.sessions import PasswordChange, SessionTokens, UserSummary
from services.accounts.throttling import LoginGuard, clear_login_failures, limit_requests
from shared.contracts.accounts import PasswordChanged, PasswordResetRequested, TokensRevoked
from shared.http import SESSION_EXPIRED, Principal, Territory
from shared.mongo import Document

log = logging.getLogger("services.accounts.credentials")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def principal_of(user: Document, session_id: str, academic_domains: list[str]) -> Principal:
    """What the access token says about a user: role and the scope that goes with it.

    A member of an educational team gets their establishment (and its place) only once
    their attachment to it is proved: until then their token opens no school's data.
    """
    territory = None
    if user["role"] == "referent":
        territory = Territory.model_validate(user["referent"]["territory"])
    establishment: dict[str, str | None] = {}
    if user["role"] == "staff" and is_verified(user, academic_domains):
        place = stored_establishment(user["staff"])
        establishment = {
            "establishment_uai": place["uai"],
            "establishment_department": place["department"],
            "establishment_bassin": place["bassin"],
        }
    organization = user["partner"]["organization_id"] if user["role"] == "partner" else None
    return Principal(
        user_id=user["_id"],
        role=user["role"],
        session_id=session_id,
        territory=territory,
        organization_id=organization,
        **establishment,
    )


def _summary(user: Document) -> UserSummary:
    return UserSummary.model_validate({**user, "id": user["_id"]})


def _tokens(
    accounts: Accounts, user: Document, session_id: str, refresh_token: str
) -> SessionTokens:
    return SessionTokens(
        access_token=accounts.signer.issue(
            principal_of(user, session_id, accounts.options.staff_academic_domains)
        ),
        refresh_token=refresh_token,
        expires_in=int(accounts.signer.ttl.total_seconds()),
        user=_summary(user),
    )


def _new_refresh(session_id: str) -> str:
    # The session id travels in the token so a refresh is one indexed look-up.
    return f"{session_id}.{secrets.token_urlsafe(32)}"


async def sign_in(accounts: Accounts, email: str, password: str, address: str) -> SessionTokens:
    """Check the password and open a session; the same 401 for an unknown email."""
    email = email.strip().lower()
    user = await accounts.store.users.by_email(email)
    # The attempt is counted before the password is checked: parallel guesses count.
    guard = LoginGuard(accounts, email, address, user)
    await guard.reserve()
    stored_hash = user["password_hash"] if user and user["status"] == "active" else None
    # An unknown or inactive account still pays one verification: same timing.
    if not await accounts.passwords.verify(stored_hash, password) or user is None:
        await guard.failed()
        raise INVALID_CREDENTIALS.error()
    if has_published_password(user) and not is_loopback(address):
        # Anyone can read a demo account's password: usable from this machine only.
        log.warning("demo account refused from beyond loopback", extra={"user_id": user["_id"]})
        await guard.failed()
        raise INVALID_CREDENTIALS.error()
    await guard.succeeded()
    seen: dict[str, Any] = {"last_seen_at": accounts.now(), "inactivity_warned_at": None}
    if stored_hash and accounts.passwords.needs_rehash(stored_hash):
        seen["password_hash"] = await accounts.passwords.hash(password)
    # A sign-in restarts the retention period (and cancels a pending deletion).
    await accounts.store.users.set(user["_id"], seen)
    return await open_session(accounts, user)


async def open_session(accounts: Accounts, user: Document) -> SessionTokens:
    """A new session (refresh family) for ``user`` and its first tokens."""
    now = accounts.now()
    session_id = accounts.new_id()
    refresh = _new_refresh(session_id)
    await accounts.store.sessions.open(
        {
            "_id": session_id,
            "user_id": user["_id"],
            "refresh_hash": _hash(refresh),
            "used_hashes": [],
            "created_at": now,
            "last_used_at": now,
            "expires_at": now + timedelta(seconds=accounts.settings.refresh_token_ttl_seconds),
            "revoked_at": None,
        }
    )
    return _tokens(accounts, user, session_id, refresh)


async def refresh(accounts: Accounts, token: str) -> SessionTokens:
    """Rotate a refresh token; a retired one revokes its whole family."""
    session_id = token.split(".", 1)[0]
    presented = _hash(token)
    renewed = _new_refresh(session_id)
    now = accounts.now()
    session = await accounts.store.sessions.rotate(session_id, presented, _hash(renewed), now)
    if session is None:
        known = await accounts.store.sessions.by_id(
            session_id, {"used_hashes": 1, "revoked_at": 1, "user_id": 1}
        )
        if (
            known is not None
            and presented in known.get("used_hashes", [])
            and known.get("revoked_at") is None
        ):
            log.warning("refresh token reused: session revoked", extra={"session_id": session_id})
            await end_session(accounts, known["user_id"], session_id, "refresh_reuse")
        raise SESSION_EXPIRED.error()
    # Using the platform counts as being there: the retention period restarts.
    user = await accounts.store.users.seen_active(session["user_id"], now)
    if user is None:
        await accounts.store.sessions.revoke(session_id, now)
        raise SESSION_EXPIRED.error()
    return _tokens(accounts, user, session_id, renewed)


async def sign_out(accounts: Accounts, principal: Principal) -> None:
    """End the caller's session (its refresh token stops working at once)."""
    await end_session(accounts, principal.user_id, principal.session_id, "sign_out")


async def end_session(accounts: Accounts, user_id: str, session_id: str, why: str) -> None:
    """Revoke one session: its refresh token at once, its access tokens within seconds."""

    async def work(session: AsyncClientSession) -> None:
        now = accounts.now()
        if await accounts.store.sessions.revoke(session_id, now, session, reason=why):
            revoked = TokensRevoked(
                user_id=user_id, session_id=session_id, not_before=now, reason="session_ended"
            )
            await accounts.ctx.outbox.add(revoked, session)

    await accounts.ctx.transaction(work)


async def current_user(accounts: Accounts, principal: Principal) -> Document:
    """The caller's account, if their session is still open (401 otherwise)."""
    session = await accounts.store.sessions.by_id(
        principal.session_id, {"revoked_at": 1, "user_id": 1}
    )
    if (
        session is None
        or session.get("revoked_at") is not None
        or session["user_id"] != principal.user_id
    ):
        raise SESSION_ENDED.error()
    user = await accounts.store.users.by_id(principal.user_id)
    if user is None or user["status"] != "active":
        raise SESSION_ENDED.error()
    return user


async def request_reset(accounts: Accounts, email: str, address: str) -> None:
    """Email a lost-password link if the address has an account; say nothing either way."""
    email = email.strip().lower()
    await limit_requests(accounts, "reset", address=address, email=email)
    user = await accounts.store.users.by_email(email)
    if user is None or user["status"] not in ("active", "pending_confirmation"):
        # The same work as for a member, so the answer's timing tells nothing either.
        await _reset_decoy(accounts, email)
        return
    await send_reset_link(accounts, user)


async def _reset_decoy(accounts: Accounts, email: str) -> None:
    """What :func:`send_reset_link` does, for an address without an account: a link
    issued and written in a transaction of as many writes, then nothing left of it."""
    now = accounts.now()
    link = LinkToken.issue(
        "password_reset", now=now, ttl_seconds=accounts.settings.reset_ttl_seconds
    )
    link.url(accounts.settings.public_url)
    nobody = f"nobody:{_hash(email)}"

    async def work(session: AsyncClientSession) -> None:
        await accounts.store.links.replace(
            nobody, "password_reset", link_row(link, nobody, now), session
        )
        # In place of the outbox entry: one more write, and the row is gone at commit.
        await accounts.store.links.delete(link.token_hash, session)

    await accounts.ctx.transaction(work)


async def send_reset_link(accounts: Accounts, user: Document) -> None:
    """Email ``user`` a 5-minute lost-password link (the earlier ones stop working)."""
    await send_link(
        accounts,
        user["_id"],
        "password_reset",
        accounts.settings.reset_ttl_seconds,
        lambda url, expires_at: PasswordResetRequested(
            **account_holder(user), reset_url=url, expires_at=expires_at
        ),
    )


async def reset_password(accounts: Accounts, token: str, password: str) -> None:
    """Set a new password from a lost-password link; ends every session of the user.

    An account never confirmed becomes active here: the link proves the address.
    """

    async def set_password(
        user_id: str, password_hash: str, session: AsyncClientSession
    ) -> tuple[None, dict[str, int]]:
        now = accounts.now()
        current = await accounts.store.users.by_id(user_id, session=session)
        if current is None:
            raise LINK_INVALID.error()
        changes: dict[str, int] = {}
        if current["status"] == "pending_confirmation":
            activated = await activate(accounts, user_id, password_hash, session)
            if activated is not None:
                changes = activated[1]
        else:
            await accounts.store.users.set_password(user_id, password_hash, now, session)
        await _password_changed(accounts, current, now, session)
        return None, changes

    user, _ = await password_from_link(accounts, token, password, "password_reset", set_password)
    # The owner proved their mailbox: earlier guesses no longer stand in their way.
    await clear_login_failures(accounts, user["email"])


async def verify_current_password(
    accounts: Accounts, user: Document, password: str, address: str
) -> None:
    """403 ``wrong_password`` unless ``password`` is the user's.

    Failures count as failed sign-ins: this form must not be a way round the limits.
    """
    guard = LoginGuard(accounts, user["email"], address, user)
    await guard.reserve()
    if not await accounts.passwords.verify(user.get("password_hash"), password):
        await guard.failed()
        raise WRONG_PASSWORD.error()
    await guard.succeeded()


async def change_password(
    accounts: Accounts, principal: Principal, body: PasswordChange, address: str
) -> None:
    """Change one's password (the current one is asked); other sessions end."""
    user = await current_user(accounts, principal)
    await verify_current_password(accounts, user, body.current_password, address)
    await check_new_password(user, body.new_password)
    password_hash = await accounts.passwords.hash(body.new_password)

    async def work(session: AsyncClientSession) -> None:
        now = accounts.now()
        await accounts.store.users.set_password(user["_id"], password_hash, now, session)
        # The caller's own token goes too: their session refreshes it at once.
        await _password_changed(accounts, user, now, session, keep_session=principal.session_id)

    await accounts.ctx.transaction(work)


async def _password_changed(
    accounts: Accounts,
    user: Document,
    now: datetime,
    session: AsyncClientSession,
    *,
    keep_session: str | None = None,
) -> None:
    """After a new password: the other sessions end, every token issued before is
    withdrawn, and the owner is told by email."""
    await accounts.store.sessions.revoke_all(user["_id"], now, session, except_session=keep_session)
    await accounts.ctx.outbox.add(
        TokensRevoked(user_id=user["_id"], not_before=now, reason="password_changed"), session
    )
    await accounts.ctx.outbox.add(PasswordChanged(**account_holder(user)), session)
