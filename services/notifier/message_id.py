"""The Message-ID of a delivery: decided once, carried by every attempt.

A record's rendered message normally holds its Message-ID already (the renderer
writes it and the record stores it). Should a message lack the header, the stored one
is put in front of it before sending, so a resend never gets a new identity.
"""

from __future__ import annotations

from email.utils import make_msgid

_HEADER = b"message-id:"


def new_message_id(envelope_from: str) -> str:
    """A fresh Message-ID in the sender's domain."""
    domain = envelope_from.rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def _headers(mime: bytes) -> bytes:
    for separator in (b"\r\n\r\n", b"\n\n"):
        end = mime.find(separator)
        if end >= 0:
            return mime[:end]
    return mime


def has_message_id(mime: bytes) -> bool:
    """Whether the message's header block has a Message-ID field."""
    return any(
        line.lower().startswith(_HEADER) for line in _headers(mime).replace(b"\r", b"").split(b"\n")
    )


def with_message_id(mime: bytes, message_id: str) -> bytes:
    """``mime`` carrying ``message_id``: unchanged when it has a Message-ID already."""
    if has_message_id(mime):
        return mime
    newline = b"\r\n" if b"\r\n" in mime else b"\n"
    return b"Message-ID: " + message_id.encode("ascii") + newline + mime
