"""Directory search without a text index: normalised terms and facets in one key array.

Every listed ambassador has a ``keys`` array holding the stems of the words of their
public profile (job, sector, training, background) and their facets (``s:<sector>``,
``d:<department>``, ``b:<bassin>``, ``k:<kind>``, ``p:<profile>``, and ``*``). One
multikey index on ``(keys, slice, _id)`` serves every query: the rarest key of the
query (by document frequency) rides the index, the others are checked on the
candidates. A key common to many profiles is walked slice by slice (``slice`` is a
stable hash of the id in 0..1023), so one round trip reads a bounded number of
candidates; the order (slice, id) is a stable shuffle that does not favour the
oldest profiles. The same documents and queries work on MongoDB and on the embedded
store.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from services.accounts.domain.catalog import region
from services.accounts.domain.passwords import fold
from shared.contracts.accounts import Territory

SLICES = 1024
ALL = "*"
# Ambassadors who also meet pupils online (every one meets them in person).
ONLINE = "f:online"
# Candidates one round trip should read at most, for a key shared by many profiles.
CANDIDATES_PER_ROUND = 600
MAX_TERMS = 200

_WORD = re.compile(r"[a-z0-9]+")


@cache
def stop_words() -> frozenset[str]:
    """French words too common to search on (``data/stopwords_fr.txt``)."""
    text = (
        resources.files("services.accounts").joinpath("data", "stopwords_fr.txt").read_text("utf-8")
    )
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


# Suffix rewrites, longest first: feminine and plural forms meet their masculine
# singular, so « électriciennes » and « électricien » share the stem « electricien ».
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("iennes", "ien"),
    ("ienne", "ien"),
    ("trices", "teur"),
    ("trice", "teur"),
    ("euses", "eur"),
    ("euse", "eur"),
    ("ieres", "ier"),
    ("iere", "ier"),
    ("ennes", "en"),
    ("enne", "en"),
    ("onnes", "on"),
    ("onne", "on"),
    ("elles", "el"),
    ("elle", "el"),
    ("ives", "if"),
    ("ive", "if"),
    ("eaux", "eau"),
    ("aux", "al"),
    ("eres", "er"),
    ("ere", "er"),
)


def stem(word: str) -> str:
    """A light French stem of a folded word (same stem for gender and number)."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)] + replacement
    if word.endswith(("s", "x")) and len(word) > 4:
        word = word[:-1]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Stems of the meaningful words of ``text``, in order, without repeats."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(fold(text)):
        if word in stop_words() or len(word) < 2:
            continue
        seen.setdefault(stem(word), None)
    return list(seen)


def slice_of(ambassador_id: str) -> int:
    """The stable slice of an id, in 0..SLICES-1."""
    return int.from_bytes(hashlib.sha256(ambassador_id.encode()).digest()[:4], "big") % SLICES


def zone_keys(zone: Territory) -> list[str]:
    """Facet keys of a zone: each place, plus the departments it touches.

    A zone of the whole Nord lists every Nord bassin, so a search by bassin finds it;
    a zone of one bassin also counts for its department.
    """
    places = region().atoms(zone)
    departments = {f"d:{code}" for code in region().departments_touched(zone)}
    return sorted(places | departments)


@dataclass(frozen=True)
class ListedProfile:
    """What the directory indexes of an ambassador."""

    ambassador_id: str
    profile: str
    sector: str | None
    interventions: Sequence[str]
    online: bool
    zone: Territory
    texts: Sequence[str]

    def keys(self) -> list[str]:
        """Terms then facets, without repeats."""
        words: dict[str, None] = {}
        for text in self.texts:
            for term in terms(text):
                words.setdefault(term, None)
        facets = [ALL, f"p:{self.profile}", *zone_keys(self.zone)]
        if self.sector:
            facets.append(f"s:{self.sector}")
        facets.extend(f"k:{kind}" for kind in self.interventions)
        if self.online:
            facets.append(ONLINE)
        return [*list(words)[:MAX_TERMS], *facets]


@dataclass(frozen=True)
class DirectoryQuery:
    """A search: free text and filters (each filter a facet key)."""

    text: str | None = None
    sector: str | None = None
    department: str | None = None
    bassin: str | None = None
    kind: str | None = None
    profile: str | None = None
    online: bool = False

    def keys(self) -> list[str]:
        """Every key a listed profile must hold to match; ``*`` alone when unfiltered."""
        keys = terms(self.text) if self.text else []
        for prefix, value in (
            ("s", self.sector),
            ("d", self.department),
            ("b", self.bassin),
            ("k", self.kind),
            ("p", self.profile),
        ):
            if value:
                keys.append(f"{prefix}:{value}")
        if self.online:
            keys.append(ONLINE)
        return keys or [ALL]


@dataclass(frozen=True)
class SearchPlan:
    """Which key rides the index, which are checked after, how many slices per round."""

    lead: str
    others: tuple[str, ...]
    slices_per_round: int
    empty: bool = False


def plan(keys: Sequence[str], frequencies: Mapping[str, int], *, limit: int) -> SearchPlan:
    """Choose the rarest key to lead, and a round width reading the candidates a page of
    ``limit`` profiles needs, ``CANDIDATES_PER_ROUND`` at most (all slices for a rare key).

    The share of the lead's profiles that hold the other keys is estimated from the
    frequencies as if keys were independent (``*`` counts every listed profile); a
    round reads about twice the candidates that share says a page needs, so a common
    filter over a common key reads a few slices, not hundreds of candidates. A guess
    that proves short only costs another round (the store widens from what it found).
    ``frequencies`` may hold keys the query does not use.

    A key no profile holds means no result: the plan says so without any query.
    """
    unique = list(dict.fromkeys(keys))
    lead = min(unique, key=lambda key: frequencies.get(key, 0))
    others = tuple(key for key in unique if key != lead)
    count = frequencies.get(lead, 0)
    if count <= 0:
        return SearchPlan(lead, others, SLICES, empty=True)
    listed = max(frequencies.get(ALL, 0), *(frequencies.get(key, 0) for key in unique))
    share = 1.0
    for key in others:
        share *= frequencies.get(key, 0) / listed
    wanted = min(CANDIDATES_PER_ROUND, math.ceil(2 * max(1, limit) / share))
    width = SLICES if count <= wanted else max(1, SLICES * wanted // count)
    return SearchPlan(lead, others, width)


def key_changes(before: Iterable[str], after: Iterable[str]) -> dict[str, int]:
    """+1 for keys gained, -1 for keys lost: the update of the document frequencies."""
    old, new = set(before), set(after)
    return {**{key: 1 for key in new - old}, **{key: -1 for key in old - new}}
