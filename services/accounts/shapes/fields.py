"""Field types and validators shared by the accounts shapes.

Validators raise ``ValueError`` with a French sentence: the HTTP layer answers 400
``invalid_request`` naming the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from services.accounts.domain.catalog import region, sectors
from services.accounts.domain.identity import (
    check_name,
    check_postcode,
    normalise_email,
    normalise_phone,
)
from shared.contracts.accounts import InterventionKind
from shared.http import StrictBody


def _known_sector(value: str) -> str:
    if value not in sectors():
        raise ValueError("Ce secteur n'existe pas : choisissez-en un de la liste des secteurs.")
    return value


def _trimmed(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("Ce champ ne doit pas être vide.")
    return value


def _known_department(value: str) -> str:
    if value not in region().departments:
        raise ValueError(
            "Ce département ne fait pas partie des Hauts-de-France (02, 59, 60, 62, 80)."
        )
    return value


def _known_bassin(value: str) -> str:
    if value not in region().bassins:
        raise ValueError("Ce bassin d'éducation n'existe pas.")
    return value


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(check_name)]

Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(normalise_email)]

Phone = Annotated[str, Field(min_length=4, max_length=30), AfterValidator(normalise_phone)]

Postcode = Annotated[str, Field(min_length=5, max_length=5), AfterValidator(check_postcode)]

Text = Annotated[str, AfterValidator(_trimmed)]

SectorSlug = Annotated[str, AfterValidator(_known_sector)]

DepartmentCode = Annotated[str, AfterValidator(_known_department)]

BassinSlug = Annotated[str, AfterValidator(_known_bassin)]


def refuse_null(value: object) -> object:
    """For the fields of a partial update that may be left out, never cleared (null)."""
    if value is None:
        raise ValueError("Ce champ ne peut pas être vidé.")
    return value


class PersonIn(StrictBody):
    """Someone an admin or a referent names: their names, address and phone."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None


def _siret(value: str) -> str:
    digits = value.replace(" ", "")
    if len(digits) != 14 or not digits.isdigit():
        raise ValueError("Le SIRET comporte 14 chiffres.")
    # Luhn checksum (La Poste's establishments excepted by INSEE are not partners here).
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    if total % 10:
        raise ValueError("Ce numéro SIRET n'est pas valide (clé de contrôle).")
    return digits


Siret = Annotated[str, AfterValidator(_siret)]


def _unique_kinds(kinds: list[InterventionKind]) -> list[InterventionKind]:
    return list(dict.fromkeys(kinds))


Interventions = Annotated[
    list[InterventionKind], Field(min_length=1, max_length=4), AfterValidator(_unique_kinds)
]
