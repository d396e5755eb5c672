"""Tokens carried by links in emails: long random values, stored only as hashes.

The link holds the token; the database holds its SHA-256, so a leaked database gives
no usable link. Expiry is checked here, in code: a TTL index only cleans up.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlencode

from shared.hashed_secrets import stored_form

LinkPurpose = Literal["confirmation", "password_reset", "email_change"]

# Page of the web front end each kind of link opens (API.md).
_PAGES: dict[LinkPurpose, str] = {
    "confirmation": "/activer",
    "password_reset": "/mot-de-passe",
    "email_change": "/email",
}


def hash_token(token: str) -> str:
    """The stored form of a link token."""
    return stored_form(token)


@dataclass(frozen=True)
class LinkToken:
    """A new link token: the secret for the email, its hash for the database."""

    token: str
    token_hash: str
    purpose: LinkPurpose
    expires_at: datetime

    @classmethod
    def issue(cls, purpose: LinkPurpose, *, now: datetime, ttl_seconds: int) -> LinkToken:
        """A fresh token of 256 random bits valid ``ttl_seconds`` from ``now``."""
        token = secrets.token_urlsafe(32)
        return cls(token, hash_token(token), purpose, now + timedelta(seconds=ttl_seconds))

    def url(self, public_url: str) -> str:
        """The link to put in the email."""
        return f"{public_url.rstrip('/')}{_PAGES[self.purpose]}?{urlencode({'token': self.token})}"


def is_expired(expires_at: datetime, now: datetime) -> bool:
    """Whether a link is past its expiry (the expiry instant itself is too late)."""
    return now >= expires_at
