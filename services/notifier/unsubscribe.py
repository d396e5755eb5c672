"""One-click unsubscribe links (RFC 8058): a signed token naming a person and a kind.

The link works without signing in, so the token itself is the proof: an HMAC-SHA256
of the user id and the kind, under a key only the notifier knows. The key is made
once, at random, and kept in the notifier's own database, so every replica signs
and checks with the same one and a deployment has nothing to configure. Deleting it
(``keys`` collection, ``_id: "unsubscribe"``) rotates it: links already sent stop
working, which only means those people sign in to change their choice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from services.notifier.domain.choices import KINDS
from services.notifier.store import NotifierStore

KEY_ID = "unsubscribe"
# The page of the site that shows the confirm button and takes the one-click POST.
PAGE = "/desabonnement"


@dataclass(frozen=True)
class Unsubscription:
    """Whom a valid token names, and which kind of email they decline."""

    user_id: str
    kind: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UnsubscribeLinks:
    """Signs and checks unsubscribe tokens with the notifier's key."""

    def __init__(
        self, public_url: str, *, store: NotifierStore | None = None, key: bytes | None = None
    ) -> None:
        if store is None and key is None:
            raise ValueError("unsubscribe links need a store to keep their key, or a key")
        self._store = store
        self._public_url = public_url.rstrip("/")
        self._key = key

    async def ready(self) -> None:
        """Load the key, making it on the very first start (the first replica's wins)."""
        if self._key is not None or self._store is None:
            return
        self._key = await self._store.secret_key(KEY_ID)

    def _signature(self, user_id: str, kind: str) -> str:
        assert self._key is not None, "call ready() first"
        mac = hmac.new(self._key, f"{user_id}\n{kind}".encode(), hashlib.sha256)
        return _b64(mac.digest())

    def token(self, user_id: str, kind: str) -> str:
        """The token of ``user_id`` declining ``kind``."""
        return f"{_b64(user_id.encode())}.{kind}.{self._signature(user_id, kind)}"

    def url(self, user_id: str, kind: str) -> str:
        """The https link of ``List-Unsubscribe`` (on the site, ``PUBLIC_URL``)."""
        return f"{self._public_url}{PAGE}?jeton={self.token(user_id, kind)}"

    async def read(self, token: str) -> Unsubscription | None:
        """Whom ``token`` names; ``None`` when it is not one the notifier signed."""
        await self.ready()
        parts = token.split(".")
        if len(parts) != 3 or parts[1] not in KINDS:
            return None
        encoded, kind, signature = parts
        try:
            user_id = _unb64(encoded).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        if not hmac.compare_digest(signature, self._signature(user_id, kind)):
            return None
        return Unsubscription(user_id, kind)
