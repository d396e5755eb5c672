"""Secrets kept only as hashes: link tokens, calendar tokens, browser session ids.

The person holds the secret (in a link or a cookie); the database holds its SHA-256,
so a leaked database gives nothing usable. The secrets are long random values, so a
plain hash is enough (no salt nor slow hash, unlike passwords).
"""

from __future__ import annotations

import hashlib


def stored_form(secret: str) -> str:
    """What the database keeps of ``secret``: its SHA-256 in hexadecimal."""
    return hashlib.sha256(secret.encode()).hexdigest()
