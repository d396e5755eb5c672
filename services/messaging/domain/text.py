"""What a message body may be: plain text of bounded length.

Bodies are stored and shown as text, never interpreted as HTML: a ``<b>`` typed by
someone stays the four characters ``<b>`` in the API and in emails (the notifier
escapes it in the HTML part).
"""

from __future__ import annotations

import re
import unicodedata

MAX_BODY_CHARS = 5_000
TRUNCATED_NOTE = "\n[…] (message tronqué : il dépassait 5 000 caractères)"

# Control characters other than tab and newline (NUL, escape sequences, bidi tricks
# are left to Unicode but raw C0/C1 controls have no place in a message).
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_RUN = re.compile(r"\n{3,}")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")


def clean_body(text: str) -> str:
    """``text`` with normalised line ends and Unicode, no control characters, no
    trailing spaces and at most one blank line in a row; stripped at both ends."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROLS.sub("", text)
    text = _TRAILING_SPACE.sub("\n", text + "\n")
    return _BLANK_RUN.sub("\n\n", text).strip()


def bounded(text: str) -> str:
    """``text`` cut to :data:`MAX_BODY_CHARS` with a note (for replies by email, which
    cannot be refused after the fact the way an API call is)."""
    if len(text) <= MAX_BODY_CHARS:
        return text
    room = MAX_BODY_CHARS - len(TRUNCATED_NOTE)
    return text[:room].rstrip() + TRUNCATED_NOTE
