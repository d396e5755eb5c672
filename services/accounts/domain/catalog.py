"""The programme's reference data: territory and sectors (shared with the other services,
``shared/reference``), kinds and the charter (accounts' own ``data/``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from shared.contracts.accounts import InterventionKind, Territory
from shared.reference.places import sectors as reference_sectors
from shared.reference.places import territory


def _load(name: str) -> Any:
    text = resources.files("services.accounts").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Bassin:
    """A bassin d'éducation of the Nord."""

    slug: str
    name: str
    department: str


@dataclass(frozen=True)
class Region:
    """Departments and bassins of Hauts-de-France, as shipped in ``territory.json``."""

    departments: dict[str, str]
    bassins: dict[str, Bassin]

    def bassins_of(self, department: str) -> list[str]:
        """Slugs of the bassins a department is split into (only the Nord has some)."""
        return [slug for slug, bassin in self.bassins.items() if bassin.department == department]

    def atoms(self, area: Territory) -> set[str]:
        """The smallest places an area covers: bassins, or whole departments without any.

        A department split into bassins counts as all of them, so « Nord » and « Lille
        Est » overlap while « Lille Est » and « Douaisis » do not.
        """
        atoms: set[str] = set()
        for code in area.departments:
            split = self.bassins_of(code)
            atoms.update(f"b:{slug}" for slug in split) if split else atoms.add(f"d:{code}")
        atoms.update(f"b:{slug}" for slug in area.bassins)
        return atoms

    def overlaps(self, first: Territory, second: Territory) -> bool:
        """Whether two areas share at least one place (a referent covers a zone)."""
        return bool(self.atoms(first) & self.atoms(second))

    def departments_touched(self, area: Territory) -> set[str]:
        """Departments where an area has at least one place."""
        touched = set(area.departments)
        touched.update(
            self.bassins[slug].department for slug in area.bassins if slug in self.bassins
        )
        return touched

    def unknown_departments(self, codes: Iterable[str]) -> list[str]:
        """Codes that are not departments of the region."""
        return [code for code in codes if code not in self.departments]

    def unknown_bassins(self, slugs: Iterable[str]) -> list[str]:
        """Slugs that are not bassins of the region."""
        return [slug for slug in slugs if slug not in self.bassins]


@cache
def region() -> Region:
    """The territory of the programme."""
    data = territory()
    return Region(
        departments={item["code"]: item["name"] for item in data["departments"]},
        bassins={
            item["slug"]: Bassin(item["slug"], item["name"], item["department"])
            for item in data["bassins"]
        },
    )


@cache
def sectors() -> dict[str, str]:
    """Professional sectors: slug → French name."""
    return {item["slug"]: item["name"] for item in reference_sectors()}


KIND_NAMES: dict[InterventionKind, str] = {
    "class_presentation": "présentation en classe",
    "event": "forum, salon ou portes ouvertes",
    "company_visit": "visite d'entreprise",
    "discovery_internship": "stage de découverte",
}


@dataclass(frozen=True)
class Charter:
    """The ambassadors' charter: its version and text."""

    version: str
    title: str
    text: str


@cache
def current_charter() -> Charter:
    """The charter new ambassadors accept."""
    data = _load("charter.json")
    return Charter(version=data["version"], title=data["title"], text=data["text"])


def department_of_postcode(postcode: str) -> str:
    """The department of a French postcode: « 59000 » → « 59 », « 97400 » → « 974 ».

    Corsica's postcodes (20xxx) give « 2A » below 20200 and « 2B » from it on.
    """
    if postcode.startswith("97") or postcode.startswith("98"):
        return postcode[:3]
    if postcode.startswith("20"):
        return "2A" if postcode < "20200" else "2B"
    return postcode[:2]
