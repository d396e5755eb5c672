"""What a person typed in a form, and what is wrong with it, in words that say what to do.

A :class:`Form` keeps the submitted values (the page shows them again, so nothing
typed is lost) and one message per field, in the order of the page: the error
summary at the top links to each field, the field shows its own message. The APIs
remain the judge of the programme's rules; these checks only catch what a person
can fix before sending (an empty field, a malformed address).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from shared.date_bounds import FIRST_YEAR, LAST_YEAR, within_the_years
from shared.french import PARIS

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_POSTCODE = re.compile(r"^\d{5}$")
_PHONE = re.compile(r"^\+?[\d .\-()]{6,25}$")

FormValue = str | list[str]


# The anti-forgery token's field (see ``security.CSRF_FIELD``).
ANTI_FORGERY_FIELD = "csrf"


@dataclass
class Form:
    """Submitted values and the problems found in them."""

    values: dict[str, FormValue] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, data: Any) -> Form:
        """A form from a request's fields (repeated names become lists).

        The anti-forgery token is checked before any handler runs and is never one of
        the form's values (a draft or a page must not keep it).
        """
        values: dict[str, FormValue] = {}
        for name in data:
            if name == ANTI_FORGERY_FIELD:
                continue
            items = [item for item in data.getall(name) if isinstance(item, str)]
            if not items:
                continue
            values[name] = items if len(items) > 1 or name.endswith("[]") else items[0]
        return cls({name.removesuffix("[]"): value for name, value in values.items()})

    # --- reading ----------------------------------------------------------------------

    def text(self, name: str) -> str:
        """A field's value, spaces trimmed ("" when absent)."""
        value = self.values.get(name, "")
        if isinstance(value, list):
            value = value[0] if value else ""
        return value.strip()

    def many(self, name: str) -> list[str]:
        """The values of a group of checkboxes."""
        value = self.values.get(name, [])
        return [value] if isinstance(value, str) else list(value)

    def checked(self, name: str) -> bool:
        """Whether a single checkbox was ticked."""
        return self.text(name) in ("on", "oui", "true", "1")

    @property
    def ok(self) -> bool:
        """Whether nothing is wrong."""
        return not self.errors

    def fail(self, name: str, message: str) -> None:
        """Record what is wrong with a field (the first problem is the one shown)."""
        self.errors.setdefault(name, message)

    # --- checks that say what to do ---------------------------------------------------

    def required(self, name: str, message: str, *, max_length: int | None = None) -> str:
        """A field that must be filled."""
        value = self.text(name)
        if not value:
            self.fail(name, message)
        elif max_length is not None and len(value) > max_length:
            self.fail(name, f"Ce champ doit contenir {max_length} caractères au plus.")
        return value

    def optional(self, name: str, *, max_length: int) -> str | None:
        """A field that may stay empty."""
        value = self.text(name)
        if len(value) > max_length:
            self.fail(name, f"Ce champ doit contenir {max_length} caractères au plus.")
        return value or None

    def email(self, name: str, *, empty: str) -> str:
        """An email address."""
        value = self.required(name, empty, max_length=254)
        if value and not _EMAIL.match(value):
            self.fail(name, "Indiquez une adresse e-mail au format nom@exemple.fr.")
        return value.lower()

    def phone(self, name: str) -> str | None:
        """An optional phone number."""
        value = self.text(name)
        if value and not _PHONE.match(value):
            self.fail(name, "Indiquez un numéro de téléphone, par exemple 06 12 34 56 78.")
        return value or None

    def postcode(self, name: str) -> str:
        """A French postcode."""
        value = self.required(name, "Indiquez votre code postal.").replace(" ", "")
        if value and not _POSTCODE.match(value):
            self.fail(name, "Indiquez un code postal de 5 chiffres, par exemple 59000.")
        return value

    def choice(self, name: str, options: Iterable[str], message: str) -> str:
        """One of a set of options (radio buttons, a list)."""
        value = self.text(name)
        if value not in set(options):
            self.fail(name, message)
            return ""
        return value

    def choices(
        self, name: str, options: Iterable[str], message: str, *, least: int = 1
    ) -> list[str]:
        """Several of a set of options (checkboxes)."""
        allowed = list(options)
        picked = [value for value in self.many(name) if value in allowed]
        if len(picked) < least:
            self.fail(name, message)
        return [option for option in allowed if option in picked]

    def day(self, name: str, message: str, *, required: bool = True) -> date | None:
        """A date from the browser's date field (``AAAA-MM-JJ``)."""
        value = self.text(name)
        if not value:
            if required:
                self.fail(name, message)
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(name, "Indiquez une date réelle, par exemple 15/12/2026.")
            return None
        if not within_the_years(day):
            self.fail(name, f"Indiquez une date entre {FIRST_YEAR} et {LAST_YEAR}.")
            return None
        return day

    def number(
        self, name: str, message: str, *, low: int, high: int, required: bool = True
    ) -> int | None:
        """A whole number between ``low`` and ``high``."""
        value = self.text(name)
        if not value:
            if required:
                self.fail(name, message)
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self.fail(name, f"Indiquez un nombre entier entre {low} et {high}.")
            return None
        return int(value)

    def amount(self, name: str, *, high: float) -> float | None:
        """An amount in euros, optional: « 1 234,50 » as well as « 1234.5 »."""
        value = self.text(name).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        if not value:
            return None
        try:
            amount = float(value.replace(",", "."))
        except ValueError:
            amount = -1.0
        if not 0 <= amount <= high:
            self.fail(name, "Indiquez un montant en euros, par exemple 45,50.")
            return None
        return amount


def paris_midnight(day: date) -> datetime:
    """The start of ``day`` in Europe/Paris (dates people type are local)."""
    return datetime.combine(day, time(0, 0), tzinfo=PARIS)
