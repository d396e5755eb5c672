"""The statistics' groups of each month of appointments, kept in memory until an
appointment of that month changes.

Aggregating a school year of a region's appointments takes seconds on the embedded
store, and most of a period's months no longer change. So the statistics cut their
period at the first of each month (Europe/Paris) and keep each slice's groups, per
branch of the perimeter. Before each read, the appointments written since the last
look (``updated_at``, indexed) name the months to compute again: every write of an
appointment sets ``updated_at``, and an appointment keeps its start, so a kept slice
is what the store would answer. ``MARGIN`` covers writes that commit a little after
their ``updated_at`` (a transaction lasts milliseconds) and small clock differences
between replicas; each replica keeps its own slices.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.agenda.domain.statistics import Period
from services.agenda.store.statistics import Groups, StatisticsReads
from shared.french import PARIS

MARGIN = timedelta(seconds=10)
# Bounds on what one process keeps (custom periods make slices and totals of their own).
MAX_SLICES = 5_000
MAX_TOTALS = 64
Month = tuple[int, int]


def month_of(moment: datetime) -> Month:
    """The month (Europe/Paris) an instant falls in."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(PARIS)
    return local.year, local.month


def _month_of_day(day: date) -> Month:
    return day.year, day.month


@dataclass
class MonthlyFigures:
    """The kept slices, and how far the appointments' writes have been looked at."""

    kept: dict[tuple[Any, date, date], Groups] = field(default_factory=dict)
    seen_up_to: datetime | None = None
    # Bumped at each forgetting; a slice computed across one of its month is not kept.
    generation: int = 0
    changed: dict[Month, int] = field(default_factory=dict)
    # The writes within the margin already seen: (appointment id → its updated_at).
    recent: dict[str, datetime] = field(default_factory=dict)
    # The groups of whole periods already added up, with the generation they hold for.
    totals: dict[Any, tuple[int, Any]] = field(default_factory=dict)

    async def look(self, reads: StatisticsReads) -> int:
        """Forget the months of the appointments written since the last look; returns
        the generation a slice computed from now on belongs to."""
        if self.seen_up_to is None:
            self.seen_up_to = await reads.latest_write() or datetime(1970, 1, 1, tzinfo=UTC)
            # Nothing is kept yet: the last writes are only remembered as seen.
            written = await reads.written_since(self.seen_up_to - MARGIN)
            self.recent = {document["_id"]: document["updated_at"] for document in written}
            return self.generation
        months: set[Month] = set()
        newest = self.seen_up_to
        for document in await reads.written_since(self.seen_up_to - MARGIN):
            # The margin finds the last writes again: only a write not seen yet counts.
            if self.recent.get(document["_id"]) == document["updated_at"]:
                continue
            self.recent[document["_id"]] = document["updated_at"]
            months.add(month_of(document["starts_at"]))
            newest = max(newest, document["updated_at"])
        self.seen_up_to = newest
        self.recent = {key: at for key, at in self.recent.items() if at >= self.seen_up_to - MARGIN}
        if months:
            self.generation += 1
            for month in months:
                self.changed[month] = self.generation
            for key in [key for key in self.kept if _month_of_day(key[1]) in months]:
                del self.kept[key]
        return self.generation

    async def slice(
        self,
        branch: Any,
        part: Period,
        generation: int,
        compute: Callable[[], Awaitable[Groups]],
    ) -> Groups:
        """The groups of one month's slice of a branch: kept, or computed (and kept
        unless that month changed while they were computed)."""
        key = (branch, part.first_day, part.last_day)
        found = self.kept.get(key)
        if found is not None:
            return found
        groups = await compute()
        if self.changed.get(_month_of_day(part.first_day), 0) <= generation:
            if len(self.kept) >= MAX_SLICES:
                self.kept.clear()
            self.kept[key] = groups
        return groups

    def total(self, key: Any, generation: int) -> Any | None:
        """The added-up groups of a perimeter and period, if nothing changed since."""
        found = self.totals.get(key)
        return found[1] if found is not None and found[0] == generation else None

    def keep_total(self, key: Any, generation: int, value: Any) -> None:
        """Keep added-up groups, unless a month changed while they were computed."""
        if generation != self.generation:
            return
        if len(self.totals) >= MAX_TOTALS:
            del self.totals[next(iter(self.totals))]
        self.totals[key] = (generation, value)
