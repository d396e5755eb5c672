"""The browser behind a request: its cookie, its session row, its anti-forgery token.

The cookie holds a random identifier only (HttpOnly, SameSite=Lax, Secure under
https). A row in the site's database exists once there is something to keep: a
signed-in person's tokens, a sign-up in progress, a message for the next page.
Signing in always starts a new identifier, so a cookie planted before cannot ride
on the session (session fixation).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web

from services.web.settings import WebSettings
from services.web.store import SessionStore
from shared.hashed_secrets import stored_form
from shared.mongo import Document

# Refresh the access token when less than this is left of it.
REFRESH_MARGIN = timedelta(seconds=60)
# What this site's cookies hold (``secrets.token_urlsafe``); anything else was not given
# here (a damaged or forged cookie) and is replaced by a new session.
_COOKIE_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")
# Extend an idle session at most this often (one write per page would be wasteful).
_EXTEND_EVERY = timedelta(minutes=5)

FlashKind = Literal["success", "info", "warning", "error"]


def now_utc() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class SignedInUser:
    """Who is signed in, as the site shows it."""

    id: str
    role: str
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True)
class CookiePolicy:
    """Name and attributes of the session cookie."""

    secure: bool

    @property
    def name(self) -> str:
        """``__Host-`` binds the cookie to this host and path over https."""
        return "__Host-po_session" if self.secure else "po_session"


def cookie_id_of(value: str | None) -> str | None:
    """The session id a browser's cookie holds, None when it holds none of ours."""
    return value if value and _COOKIE_ID.fullmatch(value) else None


@dataclass
class Visit:
    """One request's view of the browser session (see the module's docstring)."""

    store: SessionStore
    settings: WebSettings
    secret: bytes
    cookie_id: str | None
    row: Document | None = None
    # What the response must do with the cookie.
    send_cookie: bool = False
    drop_cookie: bool = False
    _flash: list[Document] = field(default_factory=list)

    @property
    def key(self) -> str | None:
        """The row's key for this browser's cookie."""
        return stored_form(self.cookie_id) if self.cookie_id else None

    # --- who ------------------------------------------------------------------------

    @property
    def user(self) -> SignedInUser | None:
        """The signed-in person, if any."""
        if self.row is None or not self.row.get("user"):
            return None
        return SignedInUser(**self.row["user"])

    @property
    def tokens(self) -> Document | None:
        """The API tokens of the signed-in person (server side only)."""
        return self.row.get("tokens") if self.row else None

    @property
    def remembered(self) -> bool:
        """Whether the person asked to stay signed in on this device."""
        return bool(self.row and self.row.get("remember"))

    # --- anti-forgery -----------------------------------------------------------------

    def csrf_token(self) -> str:
        """The token every form of this browser carries (bound to its cookie)."""
        if self.cookie_id is None:
            self.cookie_id = secrets.token_urlsafe(32)
            self.send_cookie = True
        return self._sign(self.cookie_id)

    def csrf_valid(self, presented: str) -> bool:
        """Whether a submitted form's token is this browser's."""
        if not self.cookie_id or not presented:
            return False
        return hmac.compare_digest(presented, self._sign(self.cookie_id))

    def _sign(self, cookie_id: str) -> str:
        return hmac.new(self.secret, f"csrf:{cookie_id}".encode(), hashlib.sha256).hexdigest()

    # --- life of the session ------------------------------------------------------------

    async def load(self) -> None:
        """Read the row of the browser's cookie, and keep an idle session alive."""
        key = self.key
        if key is None:
            return
        now = now_utc()
        self.row = await self.store.find(key, now)
        row = self.row
        if row is None or not row.get("user") or row.get("remember"):
            return
        if now - row["seen_at"] >= _EXTEND_EVERY:
            row["seen_at"] = now
            row["expires_at"] = now + timedelta(minutes=self.settings.idle_minutes)
            await self.store.update(key, {"seen_at": now, "expires_at": row["expires_at"]})

    async def sign_in(self, user: SignedInUser, tokens: Document, *, remember: bool) -> None:
        """Start a signed-in session under a new cookie (what came before is dropped)."""
        if self.key is not None:
            await self.store.delete(self.key)
        self.cookie_id = secrets.token_urlsafe(32)
        self.send_cookie = True
        now = now_utc()
        life = (
            timedelta(days=self.settings.remember_days)
            if remember
            else timedelta(minutes=self.settings.idle_minutes)
        )
        self.row = {
            "_id": self.key,
            "user": user.__dict__,
            "tokens": tokens,
            "remember": remember,
            "draft": {},
            "flash": [],
            "created_at": now,
            "seen_at": now,
            "expires_at": now + life,
            "refreshing_until": None,
        }
        await self.store.save(self.row)

    async def sign_out(self) -> None:
        """Forget the session here and in the browser."""
        if self.key is not None:
            await self.store.delete(self.key)
        self.row = None
        self.cookie_id = None
        self.drop_cookie = True

    async def update_user(self, **changes: Any) -> None:
        """Keep the shown name in step after the person changed it."""
        if self.row is None or not self.row.get("user") or self.key is None:
            return
        self.row["user"].update(changes)
        await self.store.update(self.key, {"user": self.row["user"]})

    async def _ensure_row(self) -> str:
        """A row to keep things in, created for a visitor who has none yet."""
        if self.row is not None and self.key is not None:
            return self.key
        if self.cookie_id is None:
            self.cookie_id = secrets.token_urlsafe(32)
            self.send_cookie = True
        now = now_utc()
        key = stored_form(self.cookie_id)
        self.row = {
            "_id": key,
            "user": None,
            "tokens": None,
            "remember": False,
            "draft": {},
            "flash": [],
            "created_at": now,
            "seen_at": now,
            "expires_at": now + timedelta(hours=self.settings.draft_hours),
            "refreshing_until": None,
        }
        await self.store.save(self.row)
        return key

    # --- what is kept between pages ---------------------------------------------------------

    async def flash(self, text: str, kind: FlashKind = "success") -> None:
        """A message for the next page (« Votre profil a été mis à jour »)."""
        key = await self._ensure_row()
        await self.store.push_flash(key, {"text": text, "kind": kind})

    async def take_flash(self) -> list[Document]:
        """The messages to show on this page, each shown once."""
        if self.row is None or self.key is None or not self.row.get("flash"):
            return []
        self.row["flash"] = []
        return await self.store.take_flash(self.key)

    def draft(self, name: str) -> Document:
        """A form in progress across pages (a copy: change it with :meth:`save_draft`)."""
        if self.row is None:
            return {}
        return dict(self.row.get("draft", {}).get(name) or {})

    async def save_draft(self, name: str, values: Document) -> None:
        """Keep a form in progress."""
        key = await self._ensure_row()
        assert self.row is not None
        self.row.setdefault("draft", {})[name] = values
        await self.store.update(key, {f"draft.{name}": values})

    async def drop_draft(self, name: str) -> None:
        """Forget a form once it is sent."""
        if self.row is None or self.key is None or name not in self.row.get("draft", {}):
            return
        del self.row["draft"][name]
        await self.store.update(self.key, {"draft": self.row["draft"]})

    # --- the cookie -------------------------------------------------------------------------------

    def write_cookie(self, response: web.StreamResponse, policy: CookiePolicy) -> None:
        """Send, renew or drop the session cookie as this request decided."""
        if self.drop_cookie and not self.send_cookie:
            response.del_cookie(policy.name, path="/", secure=policy.secure, samesite="Lax")
            return
        if not self.send_cookie or self.cookie_id is None:
            return
        max_age = int(timedelta(days=self.settings.remember_days).total_seconds())
        response.set_cookie(
            policy.name,
            self.cookie_id,
            path="/",
            httponly=True,
            secure=policy.secure,
            samesite="Lax",
            # Without « rester connecté » the cookie ends with the browser.
            max_age=max_age if self.remembered else None,
        )
