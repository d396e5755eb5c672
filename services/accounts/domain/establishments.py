"""Educational establishments of Hauts-de-France: reference data and search.

The list ships with the platform's reference data (``shared/reference/data/``), in the
column layout of the Ministry's open data set « Annuaire de l'éducation » (see the
``README.md`` there: the shipped sample is fictional, ``python -m services.accounts.cli
import-establishments`` writes the real one). It is read once per process and searched
in memory (``WordIndex``).

An establishment's kind and sector come from the Annuaire's own columns; its
department from its ``Code_departement``; the Nord's bassin d'éducation from the
commune table (``bassins_nord.csv`` there). None of them ever comes from what a person
typed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from services.accounts.domain.catalog import region
from services.accounts.domain.word_index import Hit, IndexedEntry, WordIndex, resumed_at, words
from shared.reference.places import NORD, BassinMap, data_text, nord_bassins

# The Annuaire's columns the shipped file keeps, in its own spelling and order.
UAI = "Identifiant_de_l_etablissement"
NAME = "Nom_etablissement"
TYPE = "Type_etablissement"
STATUS = "Statut_public_prive"
POSTCODE = "Code_postal"
TOWN = "Nom_commune"
DEPARTMENT = "Code_departement"
NATURE = "libelle_nature"
COLUMNS = (UAI, NAME, TYPE, STATUS, POSTCODE, TOWN, DEPARTMENT, NATURE)
# Optional column of the Annuaire: rows marked closed are left out.
STATE = "etat"
CLOSED_STATES = frozenset({"ferme"})

_UAI = re.compile(r"^\d{7}[A-Z]$")

# Kinds shown to people, from the Annuaire's « nature » of the UAI (folded, as listed
# in the BCE nomenclature). ``None`` marks natures deliberately left out: sections
# (SEGPA, SEP, SEGT) belong to an establishment listed under its own UAI, and
# post-baccalaureate-only schools are not the programme's audience.
_KIND_OF_NATURE: dict[str, str | None] = {
    "college": "collège",
    "college climatique": "collège",
    "college experimental": "collège",
    "college specialise": "collège",
    "lycee d enseignement general": "lycée",
    "lycee d enseignement technologique": "lycée",
    "lycee enseignt general et technologique": "lycée",
    "lycee climatique": "lycée",
    "lycee experimental": "lycée",
    "lycee polyvalent": "lycée polyvalent",
    "lycee professionnel": "lycée professionnel",
    "lycee ens general techno prof agricole": "lycée agricole",
    "maison familiale rurale education orient": "maison familiale rurale",
    "etab regional lycee enseignement adapte": "EREA",
    "etablissement de reinsertion scolaire": "établissement de réinsertion scolaire",
    "centre d information et d orientation": "CIO",
    "section d enseignement professionnel": None,
    "section enseignt gen et prof adapte": None,
    "section enseigt general et technologique": None,
    "ecoles composees uniqt de sts et ou cpge": None,
}
# Without a known nature, the Annuaire's broad type decides (folded).
_KIND_OF_TYPE: dict[str, str] = {
    "college": "collège",
    "lycee": "lycée",
    "erea": "EREA",
    "information et orientation": "CIO",
}
KINDS = tuple(dict.fromkeys([*(k for k in _KIND_OF_NATURE.values() if k), *_KIND_OF_TYPE.values()]))
_SECTORS = {"public": "public", "prive": "privé"}


def _key(text: str) -> str:
    return " ".join(words(text))


def kind_of(establishment_type: str, nature: str = "") -> str | None:
    """The French kind of an establishment of the Annuaire (« lycée professionnel »), or
    None when the programme does not deal with it (écoles, médico-social, services,
    sections of another establishment)."""
    nature_key = _key(nature)
    if nature_key in _KIND_OF_NATURE:
        return _KIND_OF_NATURE[nature_key]
    return _KIND_OF_TYPE.get(_key(establishment_type))


def sector_of(status: str) -> str | None:
    """« public » or « privé » from the Annuaire's ``Statut_public_prive``."""
    return _SECTORS.get(_key(status))


def department_of(code: str) -> str:
    """The department code as the platform writes it: the Annuaire's « 059 » → « 59 »."""
    code = code.strip().upper()
    if len(code) == 3 and code.startswith("0"):
        return code[1:]
    return code.zfill(2) if code.isdigit() else code


def normalise_uai(value: str) -> str:
    """A UAI code as the Annuaire writes it (upper case, no spaces)."""
    return value.strip().upper()


def is_uai(value: str) -> bool:
    """Whether ``value`` has the form of a UAI code: seven digits and a letter."""
    return bool(_UAI.match(value))


@dataclass(frozen=True)
class Establishment:
    """An educational establishment as people see it."""

    uai: str
    name: str
    kind: str
    sector: str
    postcode: str
    city: str
    department: str
    bassin: str | None


def parse_establishments(lines: Iterable[str], bassins: BassinMap) -> list[Establishment]:
    """The establishments of a file in the shipped layout; ValueError names a bad row."""
    found: list[Establishment] = []
    for number, row in enumerate(csv.DictReader(lines, delimiter=";"), start=2):
        uai = normalise_uai(row[UAI])
        kind = kind_of(row[TYPE], row.get(NATURE) or "")
        sector = sector_of(row[STATUS])
        department = department_of(row[DEPARTMENT])
        if not is_uai(uai) or kind is None or sector is None:
            raise ValueError(f"ligne {number} : établissement invalide ({uai})")
        if department not in region().departments:
            raise ValueError(f"ligne {number} : département {department} hors de la région")
        postcode, city = row[POSTCODE].strip(), row[TOWN].strip()
        found.append(
            Establishment(
                uai=uai,
                name=" ".join(row[NAME].split()),
                kind=kind,
                sector=sector,
                postcode=postcode,
                city=city,
                department=department,
                bassin=bassins.bassin_of(postcode, city) if department == NORD else None,
            )
        )
    return found


@dataclass(frozen=True)
class Found:
    """A search result: the establishment and its tier (lower is better)."""

    establishment: Establishment
    tier: int


class EstablishmentList:
    """Establishments in name order, found by UAI or by words of name, town, kind."""

    def __init__(self, establishments: Iterable[Establishment]) -> None:
        self._items = sorted(
            establishments, key=lambda item: (_key(item.name), _key(item.city), item.uai)
        )
        self._by_uai = {item.uai: position for position, item in enumerate(self._items)}
        if len(self._by_uai) != len(self._items):
            raise ValueError("un code UAI apparaît deux fois")
        self._index = WordIndex(
            IndexedEntry(
                main=item.name,
                others=(item.city, item.postcode, item.kind),
                identifiers=(item.uai,),
            )
            for item in self._items
        )

    def __len__(self) -> int:
        return len(self._items)

    def get(self, uai: str) -> Establishment | None:
        """The establishment with this UAI (any case), or None."""
        position = self._by_uai.get(normalise_uai(uai))
        return None if position is None else self._items[position]

    def search(
        self, text: str | None, *, after: tuple[int, str] | None = None, limit: int
    ) -> list[Found]:
        """Up to ``limit`` establishments matching ``text`` (all of them when it is
        empty), best first, strictly after ``after`` (a tier and a UAI).

        A UAI typed exactly (any case) comes first; words match the start of the words
        of the name, the town, the postcode or the kind, accents and case ignored.
        ValueError when ``after`` names a UAI that is not in the list.
        """
        start: Hit | None = None
        if after is not None:
            tier, uai = after
            start = resumed_at(tier, self._by_uai.get(normalise_uai(uai)))
        return [
            Found(self._items[hit.position], hit.tier)
            for hit in self._index.search(text, after=start, limit=limit)
        ]


@cache
def establishments() -> EstablishmentList:
    """The shipped establishments, read once per process."""
    return EstablishmentList(
        parse_establishments(data_text("establishments.csv").splitlines(), nord_bassins())
    )
