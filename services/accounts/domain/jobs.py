"""Job titles a professional ambassador picks from at sign-up (``data/jobs.json``).

The catalogue suggests; it does not restrict: a job title stays free text at sign-up.
Titles are searched by the start of their words, accents and case ignored
(« elec » → « Électricien / Électricienne »), and also by the words of their sector's
name, after the titles that match by themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from services.accounts.domain.catalog import sectors
from services.accounts.domain.word_index import Hit, IndexedEntry, WordIndex, resumed_at, words


@dataclass(frozen=True)
class JobTitle:
    """A common job title of a sector."""

    title: str
    sector: str


@dataclass(frozen=True)
class JobFound:
    """A search result: the title and its tier (lower is better)."""

    job: JobTitle
    tier: int


class _Listing:
    """Titles in alphabetical order with their word index."""

    def __init__(self, jobs: Iterable[JobTitle], sector_names: dict[str, str]) -> None:
        self.items = sorted(jobs, key=lambda job: (words(job.title), job.sector))
        self.positions = {(job.sector, job.title): index for index, job in enumerate(self.items)}
        self.index = WordIndex(
            IndexedEntry(main=job.title, others=(sector_names[job.sector],)) for job in self.items
        )


class JobCatalogue:
    """Every sector's common job titles, searchable as a whole or per sector."""

    def __init__(self, jobs: Iterable[JobTitle], sector_names: dict[str, str]) -> None:
        listed = list(jobs)
        unknown = {job.sector for job in listed} - sector_names.keys()
        if unknown:
            raise ValueError(f"secteurs inconnus : {', '.join(sorted(unknown))}")
        self._all = _Listing(listed, sector_names)
        self._by_sector = {
            slug: _Listing([job for job in listed if job.sector == slug], sector_names)
            for slug in sector_names
        }

    def __len__(self) -> int:
        return len(self._all.items)

    def titles_of(self, sector: str) -> list[JobTitle]:
        """The titles of one sector, in alphabetical order."""
        listing = self._by_sector.get(sector)
        return list(listing.items) if listing else []

    def search(
        self,
        text: str | None,
        *,
        sector: str | None = None,
        after: tuple[int, JobTitle] | None = None,
        limit: int,
    ) -> list[JobFound]:
        """Up to ``limit`` titles matching ``text`` (all of them when it is empty), in
        ``sector`` when given, best first, strictly after ``after`` (tier and title).

        ValueError when ``after`` names a title that is not in the searched list.
        """
        listing = self._all if sector is None else self._by_sector[sector]
        start: Hit | None = None
        if after is not None:
            tier, job = after
            start = resumed_at(tier, listing.positions.get((job.sector, job.title)))
        return [
            JobFound(listing.items[hit.position], hit.tier)
            for hit in listing.index.search(text, after=start, limit=limit)
        ]


@cache
def job_titles() -> JobCatalogue:
    """The shipped catalogue, read once per process."""
    text = resources.files("services.accounts").joinpath("data", "jobs.json").read_text("utf-8")
    data = json.loads(text)
    return JobCatalogue(
        (
            JobTitle(title=title, sector=group["sector"])
            for group in data["sectors"]
            for title in group["titles"]
        ),
        sectors(),
    )
