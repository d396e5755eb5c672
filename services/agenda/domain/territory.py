"""Where an establishment is, and whether a zone or a territory covers it.

A place is a department (from the postcode) and, in the Nord, a bassin d'éducation
when it is known. An area (an ambassador's zone, a referent's territory) lists
departments and bassins: a department covers all its bassins.

The list of bassins, and the bassin of each Nord commune, are the programme's reference
data shipped with the platform (``shared/reference``): every service reads the same
files, none keeps a copy that could drift.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from shared.reference.places import bassin_of_commune, territory

_POSTCODE = re.compile(r"^\d{5}$")


@dataclass(frozen=True)
class Place:
    """Where an establishment is: its department, and its bassin when known."""

    department: str
    bassin: str | None = None


@dataclass(frozen=True)
class Area:
    """An ambassador's zone or a referent's territory."""

    departments: frozenset[str] = frozenset()
    bassins: frozenset[str] = frozenset()

    @classmethod
    def of(cls, departments: Iterable[str] = (), bassins: Iterable[str] = ()) -> Area:
        """An area from lists (as events and tokens carry them)."""
        return cls(frozenset(departments), frozenset(bassins))


@cache
def bassin_departments() -> dict[str, str]:
    """Each bassin's department (only the Nord is split)."""
    return {item["slug"]: item["department"] for item in territory()["bassins"]}


def bassins_of(department: str) -> list[str]:
    """The bassins a department is split into (only the Nord has some)."""
    return [slug for slug, code in bassin_departments().items() if code == department]


def department_of_postcode(postcode: str) -> str:
    """The department of a French postcode (``59000`` → ``59``)."""
    if not _POSTCODE.match(postcode):
        raise ValueError(f"not a French postcode: {postcode!r}")
    return postcode[:2]


def place_of(postcode: str, town: str) -> Place:
    """The place of an establishment at this address: its department from the postcode,
    its bassin from the reference table of the Nord's communes (none when it lacks one)."""
    return Place(department_of_postcode(postcode), bassin_of_commune(postcode, town))


def covers(area: Area, place: Place) -> bool:
    """Whether ``area`` surely covers ``place``.

    An area listing only some bassins of the place's department covers it when the
    place's bassin is one of them. A place whose bassin is not known (the reference data
    lacks its commune) is covered only by a whole department: an ambassador of Lille-Est
    is never sent to a Nord school that might be in Dunkerque.
    """
    if place.department in area.departments:
        return True
    return place.bassin is not None and place.bassin in area.bassins


def touches(area: Area, department: str) -> bool:
    """Whether ``area`` has at least one place in ``department``."""
    return department in area.departments or any(
        bassin_departments().get(bassin) == department for bassin in area.bassins
    )


def department_names() -> dict[str, str]:
    """Each department of the region and its French name (``59`` → ``Nord``)."""
    return {item["code"]: item["name"] for item in territory()["departments"]}


def bassin_names() -> dict[str, str]:
    """Each bassin d'éducation and its French name (``lille-est`` → ``Lille Est``)."""
    return {item["slug"]: item["name"] for item in territory()["bassins"]}
