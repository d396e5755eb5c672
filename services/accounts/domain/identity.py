"""Forms of the personal information people type: email, phone, postcode, UAI, names.

Each checker returns the normalised value or raises ``ValueError`` with a French
message (the HTTP layer puts it in the 400 answer, naming the field).
"""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

_POSTCODE = re.compile(r"^(?:0[1-9]|[1-8]\d|9[0-8]|2[AB])\d{3}$")
_UAI = re.compile(r"^\d{7}[A-Z]$")
# Letters of any script, spaces, hyphens, apostrophes and dots (« Jean-Luc », « N'Diaye »).
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ .'’-])*$")


def normalise_email(value: str) -> str:
    """The address lower-cased and checked for form (no DNS look-up)."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("Cette adresse e-mail n'est pas valide.") from None
    return checked.normalized.lower()


def normalise_phone(value: str) -> str:
    """A French (or international) phone number in E.164 form: « +33612345678 »."""
    try:
        number = phonenumbers.parse(value, "FR")
    except phonenumbers.NumberParseException:
        raise ValueError("Ce numéro de téléphone n'est pas valide.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("Ce numéro de téléphone n'est pas valide.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_postcode(value: str) -> str:
    """A French postcode of five characters."""
    value = value.strip()
    if not _POSTCODE.match(value):
        raise ValueError("Le code postal doit comporter cinq chiffres (par exemple 59000).")
    return value


def check_uai(value: str) -> str:
    """An establishment's UAI code: seven digits and a letter (« 0590001A »)."""
    value = value.strip().upper()
    if not _UAI.match(value):
        raise ValueError(
            "Le code UAI doit comporter sept chiffres suivis d'une lettre (par exemple 0590001A)."
        )
    return value


def check_name(value: str) -> str:
    """A first or last name: letters, spaces, hyphens, apostrophes."""
    value = " ".join(value.split())
    if not value:
        raise ValueError("Ce champ ne doit pas être vide.")
    if not _NAME.match(value):
        raise ValueError(
            "Un nom ne contient que des lettres, espaces, traits d'union et apostrophes."
        )
    return value


def initial(last_name: str) -> str:
    """The initial shown in public (« Dupont » → « D. »)."""
    return f"{last_name.strip()[:1].upper()}."
