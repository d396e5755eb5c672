"""Where places are: the region's departments and bassins, and each Nord commune's bassin.

Read once per process from ``data/`` (its ``README.md`` gives sources and dates):
accounts validates zones and places establishments with them; agenda places the
establishments that requests name. A place's bassin comes from the commune table, never
from what a person typed.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from shared.french import folded_words

DATA_DIR = Path(__file__).parent / "data"
NORD = "59"


def data_text(name: str) -> str:
    """A file of the shipped reference data."""
    return (DATA_DIR / name).read_text("utf-8-sig")


@cache
def territory() -> dict[str, list[dict[str, str]]]:
    """The region's departments (code, name) and bassins (slug, name, department)."""
    data: dict[str, list[dict[str, str]]] = json.loads(data_text("territory.json"))
    return data


@cache
def sectors() -> list[dict[str, str]]:
    """The professional sectors (slug, French name)."""
    data: dict[str, Any] = json.loads(data_text("sectors.json"))
    return list(data["sectors"])


def _commune_key(town: str) -> str:
    return " ".join(folded_words(town))


class BassinMap:
    """The Nord's bassin d'éducation of each commune (``data/bassins_nord.csv``)."""

    def __init__(self, rows: Iterable[Mapping[str, str]]) -> None:
        self._by_place: dict[tuple[str, str], str] = {}
        by_town: dict[str, set[str]] = {}
        nord = {item["slug"] for item in territory()["bassins"] if item["department"] == NORD}
        for number, row in enumerate(rows, start=2):
            postcode, town, bassin = (
                row["code_postal"].strip(),
                row["commune"],
                row["bassin"].strip(),
            )
            if bassin not in nord:
                raise ValueError(f"ligne {number} : « {bassin} » n'est pas un bassin du Nord")
            if not postcode.startswith(NORD):
                raise ValueError(
                    f"ligne {number} : « {postcode} » n'est pas un code postal du Nord"
                )
            self._by_place[(postcode, _commune_key(town))] = bassin
            by_town.setdefault(_commune_key(town), set()).add(bassin)
        # A commune alone decides when all its postcodes lie in one bassin.
        self._by_town = {
            town: next(iter(found)) for town, found in by_town.items() if len(found) == 1
        }

    def __len__(self) -> int:
        return len(self._by_place)

    def bassin_of(self, postcode: str, town: str) -> str | None:
        """The bassin of a commune of the Nord, or None when the table lacks it."""
        key = _commune_key(town)
        return self._by_place.get((postcode.strip(), key)) or self._by_town.get(key)


def read_bassins(lines: Iterable[str]) -> BassinMap:
    """Parse a commune → bassin file (``code_postal;commune;bassin``)."""
    reader = csv.DictReader(lines, delimiter=";")
    missing = {"code_postal", "commune", "bassin"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(
            f"colonnes absentes de la table des bassins : {', '.join(sorted(missing))}"
        )
    return BassinMap(reader)


@cache
def nord_bassins() -> BassinMap:
    """The shipped commune → bassin table of the Nord."""
    return read_bassins(data_text("bassins_nord.csv").splitlines())


def bassin_of_commune(postcode: str, town: str) -> str | None:
    """The bassin of a commune from the reference table: only the Nord is split, and a
    commune the table lacks has none."""
    if not postcode.strip().startswith(NORD):
        return None
    return nord_bassins().bassin_of(postcode, town)
