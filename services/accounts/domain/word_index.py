"""Word-prefix search over reference lists held in memory (establishments, job titles).

A few thousand entries fit in memory and change only with a release, so no database
index is needed: each entry is indexed under the folded words of its texts, and a
query matches an entry when every query word starts one of the entry's words, accents
and case ignored (« lycee faub lille » finds « Lycée du Faubourg », Lille). French stop
words of the query are dropped, unless the query has nothing else.

Results come best first, by *tier*, then in the list's own order (its *position*):

- an entry whose identifier (a UAI code) is one of the query words comes first;
- then entries where fewer query words matched only as the start of a longer word
  (« lille » finds Lille before Lillers);
- then entries where fewer query words matched outside the main text (the name or
  title rather than the town or the sector).

Every step is a set operation over posting lists, so the cost follows the number of
matching entries, not a scan of the list (see ``bench/accounts_establishments.py``).
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

from services.accounts.domain.search import stop_words
from shared.french import folded_words

# Words of a query taken into account: a person looking up a name types fewer.
MAX_QUERY_WORDS = 8
# Tier steps: a word matched only as a prefix weighs more than any number of words
# matched outside the main text, and missing the identifier more than both.
_PREFIX_ONLY = MAX_QUERY_WORDS + 1
_NOT_IDENTIFIER = _PREFIX_ONLY * (MAX_QUERY_WORDS + 1)

# Abbreviations people type for words of place and patron names.
_ABBREVIATIONS = {"saint": "st", "sainte": "ste"}


def words(text: str) -> list[str]:
    """The folded words of ``text``: « Lycée l'Œuvre » → ``["lycee", "l", "oeuvre"]``."""
    return folded_words(text)


def query_words(text: str) -> list[str]:
    """The words a query must match: stop words dropped (unless only they were typed),
    repeats removed, at most ``MAX_QUERY_WORDS``."""
    typed = list(dict.fromkeys(words(text)))
    meaningful = [word for word in typed if word not in stop_words()] or typed
    return meaningful[:MAX_QUERY_WORDS]


def _indexed_words(text: str) -> set[str]:
    found = set(words(text))
    found.update(_ABBREVIATIONS[word] for word in found & _ABBREVIATIONS.keys())
    return found


@dataclass(frozen=True)
class IndexedEntry:
    """What the index knows of one entry: its main text, other texts and identifiers."""

    main: str
    others: Sequence[str] = ()
    identifiers: Sequence[str] = ()


@dataclass(frozen=True, order=True)
class Hit:
    """A matching entry: its tier (lower is better) and its position in the list."""

    tier: int
    position: int


def resumed_at(tier: int, position: int | None) -> Hit:
    """The hit a page resumes after: the cursor's tier and its entry's position in the
    list (None when the cursor names no entry of it: ``ValueError``)."""
    if position is None:
        raise ValueError("a cursor names an entry that is not in the list")
    return Hit(tier, position)


class _Postings:
    """Sorted words and, for each, the positions of the entries holding it."""

    def __init__(self, by_word: dict[str, set[int]]) -> None:
        self.words = sorted(by_word)
        self.positions = [frozenset(by_word[word]) for word in self.words]
        self._exact = dict(zip(self.words, self.positions, strict=True))

    def exact(self, word: str) -> frozenset[int]:
        return self._exact.get(word, frozenset())

    def starting_with(self, prefix: str) -> frozenset[int]:
        low = bisect_left(self.words, prefix)
        high = bisect_left(self.words, prefix + "\uffff", low)
        if high - low == 1:
            return self.positions[low]
        return frozenset().union(*self.positions[low:high])


class WordIndex:
    """The word index of a list of entries; positions are indexes into that list."""

    def __init__(self, entries: Iterable[IndexedEntry]) -> None:
        every: dict[str, set[int]] = {}
        main: dict[str, set[int]] = {}
        identifiers: dict[str, set[int]] = {}
        # Towns, postcodes, kinds and sectors repeat: fold each once.
        folded: dict[str, set[str]] = {}
        count = 0
        for position, entry in enumerate(entries):
            count += 1
            own_main = _indexed_words(entry.main)
            own_ids = {word for value in entry.identifiers for word in words(value)}
            others = []
            for text in entry.others:
                if text not in folded:
                    folded[text] = _indexed_words(text)
                others.append(folded[text])
            own = own_main.union(own_ids, *others)
            for word in own_main:
                main.setdefault(word, set()).add(position)
            for word in own_ids:
                identifiers.setdefault(word, set()).add(position)
            for word in own:
                every.setdefault(word, set()).add(position)
        self._count = count
        self._every = _Postings(every)
        self._main = _Postings(main)
        self._identifiers = _Postings(identifiers)

    def __len__(self) -> int:
        return self._count

    def search(self, query: str | None, *, after: Hit | None = None, limit: int) -> list[Hit]:
        """Up to ``limit`` hits for ``query``, best first, strictly after ``after``.

        An empty query (or one without any word) lists every entry in list order.
        """
        typed = query_words(query or "")
        if not typed:
            start = 0 if after is None else after.position + 1
            return [Hit(0, position) for position in range(start, min(self._count, start + limit))]
        return self._ranked(typed, after, limit)

    def _ranked(self, typed: list[str], after: Hit | None, limit: int) -> list[Hit]:
        matching = sorted((self._every.starting_with(word) for word in typed), key=len)
        candidates = set(matching[0]).intersection(*matching[1:])
        if not candidates:
            return []
        # Split the candidates into tiers with set operations only (no per-entry loop).
        identified = candidates.intersection(
            chain.from_iterable(self._identifiers.exact(word) for word in typed)
        )
        tiers: dict[int, set[int]] = {0: identified, _NOT_IDENTIFIER: candidates - identified}
        for word in typed:
            tiers = _penalise(tiers, self._every.exact(word), _PREFIX_ONLY)
            tiers = _penalise(tiers, self._main.starting_with(word), 1)
        hits: list[Hit] = []
        for tier in sorted(tiers):
            if after is not None and tier < after.tier:
                continue
            positions: Iterable[int] = tiers[tier]
            if after is not None and tier == after.tier:
                positions = (position for position in positions if position > after.position)
            hits.extend(Hit(tier, position) for position in heapq.nsmallest(limit, positions))
            if len(hits) >= limit:
                break
        return hits[:limit]


def _penalise(
    tiers: dict[int, set[int]], spared: frozenset[int], weight: int
) -> dict[int, set[int]]:
    """Move the entries of each tier that are not in ``spared`` down by ``weight``."""
    moved: dict[int, set[int]] = {}
    for tier, positions in tiers.items():
        kept = positions & spared
        if kept:
            moved.setdefault(tier, set()).update(kept)
        if len(kept) < len(positions):
            moved.setdefault(tier + weight, set()).update(positions - spared)
    return moved
