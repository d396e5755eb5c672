"""Where a person may be sent back to: only pages of this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(candidate: str | None) -> str | None:
    """``candidate`` if it is a path of this site, else None.

    ``//evil.example`` and ``/\\evil.example`` are addresses of other sites to a browser,
    so a « suite » parameter must be a plain absolute path without a host.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return None
    if any(character in candidate for character in "\r\n\t\\"):
        return None
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return None
    return candidate
