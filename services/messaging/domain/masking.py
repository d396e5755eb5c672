"""Contact details stay private until shared: emails and phone numbers are masked.

Until a participant shares their details on purpose (``contact-sharing``), every email
address and phone number in what they write is replaced in what the other party
receives, through the API and by email. Phone numbers are found by Google's
libphonenumber (the ``phonenumbers`` port), read as French numbers: it knows every
way they are written (06 12 34 56 78, 06.12.34.56.78, +33 6…, 0033 6…, +33 (0)6…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberMatcher

MASKED_EMAIL = "[adresse e-mail masquée]"
MASKED_PHONE = "[numéro masqué]"
REGION = "FR"

SHARING_HINT = (
    "Pour protéger votre vie privée, les coordonnées (adresse e-mail, numéro de "
    "téléphone) écrites dans votre message ont été masquées pour votre interlocuteur. "
    "Pour les lui communiquer, utilisez « Partager mes coordonnées » dans cette "
    "conversation."
)

# An address, also in the spelled-out forms people use to dodge filters:
# "lea (at) exemple.fr", "lea [at] exemple.fr", "lea arobase exemple.fr".
_AT = r"(?:\s*@\s*|\s*[\(\[\{]\s*(?:at|arobase)\s*[\)\]\}]\s*|\s+arobase\s+)"
_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]+" + _AT + r"[\w-]+(?:\s*\.\s*[\w-]+)*\s*\.\s*[a-zA-Z]{2,}\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Masked:
    """A text with its contact details masked, and how many were found."""

    text: str
    emails: int = 0
    phones: int = 0

    @property
    def found(self) -> bool:
        """Whether anything was masked."""
        return bool(self.emails or self.phones)


def mask_contact_details(text: str) -> Masked:
    """``text`` with every email address and phone number replaced by a placeholder."""
    text, emails = _EMAIL.subn(MASKED_EMAIL, text)
    pieces: list[str] = []
    position = phones = 0
    for match in PhoneNumberMatcher(text, REGION, leniency=Leniency.VALID):
        pieces.append(text[position : match.start])
        pieces.append(MASKED_PHONE)
        position = match.end
        phones += 1
    pieces.append(text[position:])
    return Masked("".join(pieces), emails=emails, phones=phones)


def display_phone(raw: str | None) -> str | None:
    """A phone number as the French write it (06 12 34 56 78), or as given."""
    if not raw:
        return None
    try:
        number = phonenumbers.parse(raw, REGION)
    except phonenumbers.NumberParseException:
        return raw
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
