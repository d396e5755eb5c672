"""Establishment search time in memory, on synthetic lists of 10,000 rows (and more).

The list is written as the import command writes ``data/establishments.csv`` (the
Annuaire's layout), then read by the service's own ``parse_establishments`` and indexed
by ``EstablishmentList``: the start-up cost is printed. Names mix the words real names
share (collège, lycée, professionnel, saint…) with rarer ones, over a few hundred
towns, so broad queries (« c », « college ») match thousands of rows and narrow ones a
handful. Each query runs ``--repeat`` times after one untimed run; p50, p95 and max
are printed for the search alone and for the search plus the page the API sends
(pydantic models serialised to JSON).

Target: well under 5 ms per query at 10,000 rows; the last line says whether it is met.

Run: ``python -m bench.accounts_establishments [--rows 10000 50000] [--repeat 200]``
(at most 50,000 rows: the number of UAI codes of five departments).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import statistics
import time
from collections.abc import Callable

from services.accounts.api.reference_models import ReferenceEstablishment
from services.accounts.domain.establishments import (
    COLUMNS,
    EstablishmentList,
    parse_establishments,
)
from shared.http import Page
from shared.reference.places import nord_bassins

TARGET_MS = 5.0
TARGET_ROWS = 10_000
PAGE = 20

NATURES = [
    ("Collège", "COLLEGE", "Collège", 0.55),
    ("Lycée", "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE", "Lycée", 0.15),
    ("Lycée", "LYCEE POLYVALENT", "Lycée polyvalent", 0.1),
    ("Lycée", "LYCEE PROFESSIONNEL", "Lycée professionnel", 0.12),
    ("Information et orientation", "CENTRE D INFORMATION ET D ORIENTATION", "CIO", 0.04),
    ("EREA", "ETAB REGIONAL/LYCEE ENSEIGNEMENT ADAPTE", "EREA", 0.02),
    ("Lycée", "LYCEE ENS GENERAL TECHNO PROF AGRICOLE", "Lycée agricole", 0.02),
]
FIRST = [
    "Jean",
    "Marie",
    "Louise",
    "Paul",
    "Émile",
    "Jules",
    "Anne",
    "Hélène",
    "Victor",
    "Camille",
    "Pierre",
    "Jeanne",
    "Henri",
    "Lucie",
    "André",
    "Simone",
    "Joseph",
    "Madeleine",
    "Léon",
    "Berthe",
    "Gaston",
    "Irène",
    "Aimé",
    "Eugénie",
    "Octave",
    "Clémence",
    "Noël",
    "Rosalie",
]
LAST = [
    "Delannoy",
    "Vandamme",
    "Lefebvre",
    "Dubois",
    "Caron",
    "Leroy",
    "Wattel",
    "Desmet",
    "Carpentier",
    "Hennebelle",
    "Verhaeghe",
    "Lemaire",
    "Dumont",
    "Flament",
    "Boulanger",
    "Delattre",
    "Lecocq",
    "Deprez",
    "Vasseur",
    "Descamps",
    "Lambin",
    "Decroix",
    "Ternisien",
    "Wallart",
    "Houzé",
    "Brûlé",
    "Bécourt",
    "Théry",
    "Ducrocq",
    "Leclercq",
    "Mortier",
]
THEMES = [
    "des Tisserands",
    "du Beffroi",
    "des Terrils",
    "des Dunes",
    "de la Citadelle",
    "du Val de Sambre",
    "des Filatures",
    "de l'Escaut",
    "des Marais",
    "du Bocage",
    "de la Forêt",
    "des Remparts",
    "du Vieux Port",
    "des Hortillonnages",
    "de la Baie",
    "des Verriers",
    "du Canal",
    "de la Lys",
    "des Monts",
    "de la Plaine",
    "du Moulin",
    "des Peupliers",
    "des Tilleuls",
    "de la Vallée",
    "du Plateau",
    "des Sources",
]
TOWN_START = [
    "Saint",
    "Sainte",
    "Mont",
    "Villers",
    "Neuville",
    "Bois",
    "Haut",
    "Bas",
    "Fontaine",
    "Ham",
    "Beau",
    "Rouge",
    "Long",
    "Ville",
    "Marc",
    "Berg",
    "Hon",
    "Cour",
    "Eps",
    "Hau",
]
TOWN_END = [
    "court",
    "ville",
    "mont",
    "bourg",
    "val",
    "ham",
    "becque",
    "hem",
    "sart",
    "fontaine",
    "pré",
    "camp",
    "bois",
    "quin",
    "ghem",
    "ques",
    "nes",
    "lers",
    "celles",
    "rieux",
]
DEPARTMENTS = {"002": "02", "059": "59", "060": "60", "062": "62", "080": "80"}
UAI_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def synthetic_csv(rows: int, seed: int = 7) -> str:
    """``rows`` establishments in the shipped layout, with valid UAI codes."""
    chance = random.Random(seed)
    towns = sorted(
        {
            f"{chance.choice(TOWN_START)}-{chance.choice(TOWN_END)}".replace("-", "", 1)
            if chance.random() < 0.6
            else f"{chance.choice(TOWN_START)}-{chance.choice(TOWN_END).capitalize()}"
            for _ in range(rows // 12)
        }
    )
    # Real towns too, so town queries match like they would on the Annuaire.
    towns += ["Lille", "Lillers", "Roubaix", "Amiens", "Arras", "Douai", "Beauvais", "Laon"]
    weights = [weight for *_, weight in NATURES]
    buffer = io.StringIO()
    out = csv.writer(buffer, delimiter=";", lineterminator="\n")
    out.writerow(COLUMNS)
    # A UAI is the department's three digits and four more: 50,000 codes in all.
    departments = list(DEPARTMENTS)
    for code in chance.sample(range(len(departments) * 10_000), rows):
        department = departments[code // 10_000]
        digits = f"{department}{code % 10_000:04d}"
        uai = digits + UAI_LETTERS[int(digits) % 23]
        establishment_type, nature, label, _ = chance.choices(NATURES, weights)[0]
        if chance.random() < 0.5:
            patron = f"{chance.choice(FIRST)} {chance.choice(LAST)}"
        else:
            patron = chance.choice(THEMES)
        private = chance.random() < 0.2
        name = f"{label} {'privé ' if private else ''}{patron}"
        if private and chance.random() < 0.5:
            name = f"{label} privé Saint-{chance.choice(FIRST)}"
        postcode = f"{DEPARTMENTS[department]}{chance.randrange(0, 1000):03d}"
        out.writerow(
            [
                uai,
                name,
                establishment_type,
                "Privé" if private else "Public",
                postcode,
                chance.choice(towns),
                department,
                nature,
            ]
        )
    return buffer.getvalue()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    action()
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def run(rows: int, repeat: int) -> float:
    """Measure one list size; returns the worst p95 of search plus page, in ms."""
    text = synthetic_csv(rows)
    started = time.perf_counter()
    parsed = parse_establishments(text.splitlines(), nord_bassins())
    parse_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    listing = EstablishmentList(parsed)
    index_ms = (time.perf_counter() - started) * 1000
    print(
        f"{len(listing):,} establishments: read in {parse_ms:.0f} ms, indexed in {index_ms:.0f} ms",
        flush=True,
    )
    sample = parsed[rows // 2]
    broad = listing.search("college", limit=PAGE + 1)
    deep_after = (broad[PAGE - 1].tier, broad[PAGE - 1].establishment.uai)
    queries: list[tuple[str, str | None, tuple[int, str] | None]] = [
        ("no words (first page)", None, None),
        ("one letter: c", "c", None),
        ("two letters: ly", "ly", None),
        ("a kind: college", "college", None),
        ("a kind, page 2", "college", deep_after),
        ("a common name word: saint", "saint", None),
        ("a town: lille", "lille", None),
        ("three words: lycee pro lille", "lycee pro lille", None),
        ("a name prefix: tiss", "tiss", None),
        ("patron and town: émile dela", "émile dela", None),
        ("an exact UAI", sample.uai.lower(), None),
        ("a UAI prefix", sample.uai[:5], None),
        ("a postcode", sample.postcode, None),
        ("no match: zzz", "zzz", None),
    ]
    worst = 0.0
    print(f"  {'query':34} {'hits':>6}  search p50 / p95 / max   with page p50 / p95")
    for label, query, after in queries:
        hits = len(listing.search(query, after=after, limit=rows))

        def search(query: str | None = query, after: tuple[int, str] | None = after) -> object:
            return listing.search(query, after=after, limit=PAGE + 1)

        def page(query: str | None = query, after: tuple[int, str] | None = after) -> object:
            found = listing.search(query, after=after, limit=PAGE + 1)[:PAGE]
            return Page[ReferenceEstablishment](
                items=[
                    ReferenceEstablishment.model_validate(item.establishment, from_attributes=True)
                    for item in found
                ],
                next_cursor=None,
            ).model_dump_json()

        alone = timed(search, repeat)
        whole = timed(page, repeat)
        worst = max(worst, percentile(whole, 0.95))
        print(
            f"  {label:34} {hits:>6}  {statistics.median(alone):6.2f} / "
            f"{percentile(alone, 0.95):5.2f} / {max(alone):5.2f} ms   "
            f"{statistics.median(whole):6.2f} / {percentile(whole, 0.95):5.2f} ms",
            flush=True,
        )
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000], help="list sizes")
    parser.add_argument("--repeat", type=int, default=200, help="runs per query")
    arguments = parser.parse_args()
    for rows in arguments.rows:
        worst = run(rows, arguments.repeat)
        if rows > TARGET_ROWS:
            verdict = f"the target is set for {TARGET_ROWS:,} rows"
        else:
            verdict = f"target under {TARGET_MS:.0f} ms: {'met' if worst < TARGET_MS else 'MISSED'}"
        print(f"{rows:,} rows: worst p95 with the page {worst:.2f} ms ({verdict})", flush=True)


if __name__ == "__main__":
    main()
