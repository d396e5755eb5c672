"""Where an establishment is, and whether a zone or a territory covers it.

A place is a department (from the postcode) and, in the Nord, a bassin d'éducation
when it is known. An area (an ambassador's zone, a referent's territory) lists
departments and bassins: a department covers all its bassins.

The list of bassins is the programme's reference data, shipped once with accounts
(``services/accounts/data/territory.json``): agenda reads that file rather than
keeping a copy that could drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

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
    return {item["slug"]: item["department"] for item in _reference()["bassins"]}


def bassins_of(department: str) -> list[str]:
    """The bassins a department is split into (only the Nord has some)."""
    return [slug for slug, code in bassin_departments().items() if code == department]


def department_of_postcode(postcode: str) -> str:
    """The department of a French postcode (``59000`` → ``59``)."""
    if not _POSTCODE.match(postcode):
        raise ValueError(f"not a French postcode: {postcode!r}")
    return postcode[:2]


def place_of(postcode: str, bassin: str | None = None) -> Place:
    """The place of an establishment; a bassin of another department is dropped."""
    department = department_of_postcode(postcode)
    if bassin is not None and bassin_departments().get(bassin) != department:
        bassin = None
    return Place(department, bassin)


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


@cache
def _reference() -> dict[str, list[dict[str, str]]]:
    text = (
        resources.files("services.accounts").joinpath("data", "territory.json").read_text("utf-8")
    )
    data: dict[str, list[dict[str, str]]] = json.loads(text)
    return data


def department_names() -> dict[str, str]:
    """Each department of the region and its French name (``59`` → ``Nord``)."""
    return {item["code"]: item["name"] for item in _reference()["departments"]}


def bassin_names() -> dict[str, str]:
    """Each bassin d'éducation and its French name (``lille-est`` → ``Lille Est``)."""
    return {item["slug"]: item["name"] for item in _reference()["bassins"]}
