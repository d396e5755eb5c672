"""From a reply mail to the text to post: the new words only.

The quoted previous messages and the signature block are cut by ``mail-parser-reply``
(``mailparser_reply``, maintained, with French and English rules for "Le … a écrit :",
"On … wrote:" and Outlook's "De : … Envoyé : …" block), given a few more French
closings and "sent from my phone" lines; the signature blocks it does not recognise
(a name, a job title, an employer and phones, with no "-- " above them) are cut by
:func:`~services.messaging.inbound.signature.strip_signature`, which knows the
sender's names. HTML-only mails go through
:func:`~services.messaging.inbound.html_text.html_to_text` first; attachments are
never read.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from mailparser_reply.parser import EmailMessage as ReplyParser

from services.messaging.inbound.html_text import html_to_text
from services.messaging.inbound.signature import Sender, strip_signature

LANGUAGES = ("fr", "en")
# Only the head of a long mail is read: the new words come first, and the parser's
# expressions must not spend seconds on a pasted novel.
MAX_SCANNED_CHARS = 50_000

# Patterns added to the library's own for each language (regular expressions, matched
# at the start of a line, case-insensitive).
_EXTRA: dict[str, dict[str, list[str]]] = {
    "fr": {
        "signatures": [
            "bien cordialement",
            "très cordialement",
            "cdlt",
            r"bien [àa] vous",
            r"bien [àa] toi",
            "amicalement",
            "belle journ[ée]e",
            "bonne soir[ée]e",
            "bonne fin de journ[ée]e",
            "sinc[èe]rement",
            "respectueusement",
        ],
        "sent_from": [
            r"Envoy[ée] de mon",
            r"Envoy[ée] [àa] partir de",
            "T[ée]l[ée]charger Outlook",
            "Obtenir Outlook",
        ],
    },
    "en": {
        "signatures": ["cheers", "regards", "sincerely"],
        "sent_from": ["Sent from", "Sent with", "Get Outlook"],
    },
}

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u200b": ""})
# Gmail wraps its French attribution line: "Le lun. 1 déc. 2026 à 10:12, Léa M. <"
# then "alias@…> a écrit :" on the next line. The library wants it on one line.
_SPLIT_ATTRIBUTION = re.compile(
    r"^((?:> ?)*Le [^\n]{0,300})\n((?:> ?)*[^\n]{0,300}a écrit ?:)[ \t]*$", re.M
)
_TRAILING_QUOTE = re.compile(r"(?:\n(?:>[^\n]*)?)+\Z")


class _Parser(ReplyParser):  # type: ignore[misc]
    """The library's parser with the extra patterns above."""

    def _get_language_regex(self, language: str, regex_key: str) -> str:
        base: str = super()._get_language_regex(language=language, regex_key=regex_key)
        extra = _EXTRA.get(language, {}).get(regex_key, [])
        return "|".join(part for part in (base, *extra) if part)


def reply_text(message: EmailMessage, sender: Sender | None = None) -> str:
    """The new text of a reply mail written by ``sender`` (empty when there is none)."""
    return strip_signature(latest_reply(body_text(message)), sender or Sender())


def latest_reply(text: str) -> str:
    """The new words at the top of a mail body, without quotes and signature."""
    text = text[:MAX_SCANNED_CHARS].translate(_SPACES).replace("\r\n", "\n")
    text = _SPLIT_ATTRIBUTION.sub(r"\1 \2", text)
    parsed: Any = _Parser(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read()
    if not parsed.replies:
        return ""
    body = str(parsed.replies[0].body)
    # A quote with no attribution line above it (some programs write none).
    return _TRAILING_QUOTE.sub("", "\n" + body).strip()


def body_text(message: EmailMessage) -> str:
    """The text of the mail's body: its plain part, else its HTML part as text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(part, EmailMessage):
        return ""
    content = _decoded(part)
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    if part.get_param("format", "", header="content-type") == "flowed":
        delsp = str(part.get_param("delsp", "no", header="content-type")).lower() == "yes"
        return _unflow(content, delsp=delsp)
    return content


def _decoded(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeError, ValueError, AssertionError):
        # Unknown or lying charset: keep what decodes.
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _unflow(text: str, *, delsp: bool) -> str:
    # RFC 3676: a line ending with a space continues on the next one ("-- " excepted).
    lines: list[str] = []
    carry = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.endswith(" ") and line.rstrip(" ") != "--":
            carry += line[:-1] if delsp else line
            continue
        lines.append(carry + line)
        carry = ""
    if carry:
        lines.append(carry)
    return "\n".join(lines)
