"""The signature block under a reply, found without a "-- " separator.

``mail-parser-reply`` cuts at "-- ", at closings ("Cordialement", "Best regards") and at
"Sent from my …" lines. Many people sign with none of these: their name, job title,
employer, phones and address simply follow the last sentence. This module finds that
block the way talon's signature heuristics and SimpleLogin's reply cleaning do:

- from a line naming the sender (their own first and last names, known to messaging
  from accounts' ``accounts.contact.changed``), everything after it is the signature
  when only a few short lines follow: "Élise Vasseur / Électricienne — Entreprise …";
- a last paragraph of short lines holding contact details (phones, addresses, links,
  a company's legal form) or the sender's name is a signature block;
- trailing lines holding nothing but contact details, "Envoyé de mon iPhone" or
  "Télécharger Outlook pour …" go.

The first line of a reply is never taken: a one-line answer is the body, whatever it
holds (its contact details are masked later, never removed). Nor is a block that the
line above announces ("Mon numéro :", "Les intervenants seront :").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from phonenumbers import Leniency, PhoneNumberMatcher

# A signature block is a handful of lines, each of them short (talon's limits).
MAX_SIGNATURE_LINES = 10
MAX_SIGNATURE_LINE_CHARS = 80
MAX_CONTACT_BLOCK_LINE_CHARS = 60

_WORD = re.compile(r"[^\W\d_]+")
_SEPARATOR = re.compile(r"\s*[,|/–—•·(-]")
_LEADING_DASHES = re.compile(r"^[\s\-–—_*]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:fr|com|org|net|eu)\b", re.I)
# Words that label a contact detail: "Tél. :", "Mob.", "E-mail :", "Site :".
_LABELS = re.compile(
    r"\b(?:t[ée]l[ée]phone|t[ée]l|tel|phone|mobile|mob|portable|port|fixe|fax|ligne|directe?|"
    r"standard|cell|office|e-?mail|mail|courriel|web|site|internet|linkedin|t|m|p|f|e|w)\b",
    re.I,
)
_POSTCODE_CITY = re.compile(r"^\d{5}\s+[^\W\d_][\w' -]*$|\bcedex(?:\s+\d+)?$", re.I)
_STREET = re.compile(
    r"^\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.?|boulevard|bd|place|chemin|all[ée]e|"
    r"impasse|route|quai|cours|square|street|st\.?|road|rd\.?|lane)\b",
    re.I,
)
_POST_BOX = re.compile(r"^(?:BP|CS|PO Box)\s*\d+", re.I)
_LEGAL_FORM = re.compile(r"\b(?:SARL|SAS|SASU|EURL|SA|SCOP|SCI|GmbH|Ltd|Inc|LLC)\b\.?")
# Phone and web mail footers (also cut by the library when they stand alone).
_SENT_FROM = re.compile(
    r"^(?:envoy[ée] (?:de|depuis|[àa] partir de|avec) |sent (?:from|with|via) |"
    r"t[ée]l[ée]charger outlook|obtenir outlook|get outlook)",
    re.I,
)
_SENTENCE_END = re.compile(r"[.?!:;,]$")


@dataclass(frozen=True)
class Sender:
    """What messaging knows of the person who wrote the reply."""

    first_name: str = ""
    last_name: str = ""
    phone: str | None = None

    @property
    def names(self) -> set[str]:
        """Their name's words, compared without case nor accents."""
        return {_fold(word) for word in _WORD.findall(f"{self.first_name} {self.last_name}")}

    @property
    def full_names(self) -> list[list[str]]:
        """The full name as "First Last" and as "Last First", in words."""
        first = [_fold(word) for word in _WORD.findall(self.first_name)]
        last = [_fold(word) for word in _WORD.findall(self.last_name)]
        if not first or not last:
            return []
        return [first + last, last + first]


def strip_signature(text: str, sender: Sender) -> str:
    """``text`` without the signature block at its end (never its first line)."""
    lines = text.split("\n")
    # Each cut takes a block or a line; a signature is a few of them, not a mail of
    # a thousand phone numbers.
    for _ in range(MAX_SIGNATURE_LINES):
        kept = _cut_once(lines, sender)
        if kept == lines:
            break
        lines = kept
    return "\n".join(lines).strip()


def _cut_once(lines: list[str], sender: Sender) -> list[str]:
    end = _last_filled(lines)
    if end <= 0:
        return lines
    start = _named_signature_start(lines, sender, end)
    if start is None:
        start = _contact_paragraph_start(lines, sender, end)
    if start is None and (
        _is_contact_line(lines[end], sender) or _SENT_FROM.match(lines[end].strip())
    ):
        start = end
    if start is None or _announced(lines, start):
        return lines
    return lines[:start]


def _announced(lines: list[str], start: int) -> bool:
    """Whether the text above ``start`` introduces it ("Mon numéro :", "Les
    intervenants :"): then it is the body, not a signature."""
    above = _last_filled(lines[:start])
    return above >= 0 and lines[above].rstrip().endswith(":")


def _last_filled(lines: list[str]) -> int:
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip():
            return index
    return -1


def _named_signature_start(lines: list[str], sender: Sender, end: int) -> int | None:
    """The first line naming the sender followed only by a few short lines."""
    window: list[int] = []
    for index in range(end, 0, -1):
        if lines[index].strip():
            window.insert(0, index)
            if len(window) == MAX_SIGNATURE_LINES:
                break
    for position, index in enumerate(window):
        after = window[position + 1 :]
        if _is_name_line(lines[index], sender) and all(
            len(lines[i].strip()) <= MAX_SIGNATURE_LINE_CHARS for i in after
        ):
            return index
    return None


def _contact_paragraph_start(lines: list[str], sender: Sender, end: int) -> int | None:
    """The last paragraph, when it is a block of short lines with contact details."""
    start = end
    while start > 0 and lines[start - 1].strip():
        start -= 1
    if start == 0 or end - start + 1 > MAX_SIGNATURE_LINES:
        return None
    block = [line.strip() for line in lines[start : end + 1]]
    if any(
        len(line) > MAX_CONTACT_BLOCK_LINE_CHARS or _SENTENCE_END.search(line) for line in block
    ):
        return None
    if any(
        _is_contact_line(line, sender) or _LEGAL_FORM.search(line) or _mentions_sender(line, sender)
        for line in block
    ):
        return start
    return None


def _is_name_line(line: str, sender: Sender) -> bool:
    """A line such as "Élise", "E. VASSEUR" or "Élise Vasseur / Électricienne — …"."""
    line = _LEADING_DASHES.sub("", line.strip())
    words = [_fold(word) for word in _WORD.findall(line)]
    names = sender.names
    if not words or not names:
        return False
    initials = {name[0] for name in names}
    if all(word in names or (len(word) == 1 and word in initials) for word in words):
        return any(word in names for word in words)
    for full in sender.full_names:
        if words[: len(full)] == full:
            # The name, then a separator and more: a title or an employer.
            rest = _after_words(line, len(full))
            return bool(_SEPARATOR.match(rest))
    return False


def _after_words(line: str, count: int) -> str:
    matches = list(_WORD.finditer(line))
    return line[matches[count - 1].end() :]


def _mentions_sender(line: str, sender: Sender) -> bool:
    names = sender.names
    return bool(names) and any(_fold(word) in names for word in _WORD.findall(line))


def _is_contact_line(line: str, sender: Sender) -> bool:
    """A line holding nothing but contact details (with their labels)."""
    line = line.strip()
    if not line or len(line) > MAX_SIGNATURE_LINE_CHARS or _SENTENCE_END.search(line):
        return False
    if _STREET.match(line) or _POSTCODE_CITY.search(line) or _POST_BOX.match(line):
        return True
    rest = _EMAIL.sub(" ", line)
    rest = _URL.sub(" ", rest)
    pieces: list[str] = []
    position = 0
    for match in PhoneNumberMatcher(rest, "FR", leniency=Leniency.VALID):
        pieces.append(rest[position : match.start])
        position = match.end
    pieces.append(rest[position:])
    rest = "".join(pieces)
    if sender.phone:
        rest = rest.replace(sender.phone, " ")
    if rest == line:
        return False  # no contact detail at all
    return not _WORD.findall(_LABELS.sub(" ", rest))


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
