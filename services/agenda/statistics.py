"""Steering statistics for a referent's territory or the region.

The appointments of the perimeter and period are read by one ``$facet`` pipeline per
branch of the perimeter (a department or a bassin: each served by its index, and
disjoint, so their figures add up) and month, kept by ``monthly_figures``; the
ambassadors available by one read of their copies. The pipelines are the store's
(``store/statistics.py``); the rules (period, perimeter, median, shortages) are in
``domain.statistics``; here the groups are added up into the figures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from services.agenda.context import Agenda
from services.agenda.domain.labels import KIND_LABELS
from services.agenda.domain.model import STATUS_LABELS
from services.agenda.domain.sectors import sector_names
from services.agenda.domain.statistics import (
    Period,
    hours,
    median,
    month_slices,
    months_of,
    period_of,
    rate,
    statistics_area,
    supply_and_demand,
)
from services.agenda.domain.territory import (
    Area,
    bassin_departments,
    bassin_names,
    bassins_of,
    department_names,
)
from services.agenda.shapes.statistics import (
    Answers,
    CallsSummary,
    Count,
    Delivered,
    DeliveredGroup,
    LateCancellations,
    SolicitationCounts,
    Statistics,
    StatsPeriod,
    StatsQuery,
    StatsScope,
    SupplyDemandRow,
)
from services.agenda.store.statistics import FACETS, Branch, Groups, place_branches
from shared.french import PARIS
from shared.http import Principal
from shared.mongo import Document

NOT_GIVEN = "Non précisé"
CANCELLER_LABELS = {
    "ambassador": "l'ambassadeur",
    "requester": "le demandeur",
    "referent": "le référent territorial",
    "system": "la plateforme",
}


def _key(value: Any) -> Any:
    # Group keys that are documents become hashable tuples.
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def _merge(parts: Iterable[list[Document]]) -> dict[Any, dict[str, Any]]:
    """Groups of several branches, by key: numbers added, lists joined."""
    merged: dict[Any, dict[str, Any]] = {}
    for part in parts:
        for group in part:
            key = _key(group["_id"])
            into = merged.setdefault(key, {"_id": group["_id"]})
            for name, value in group.items():
                if name == "_id":
                    continue
                if isinstance(value, list):
                    into[name] = [*into.get(name, []), *value]
                else:
                    into[name] = into.get(name, 0) + (value or 0)
    return merged


async def _appointment_facets(
    agenda: Agenda, area: Area | None, period: Period
) -> dict[str, dict[Any, dict[str, Any]]]:
    """The groups of each branch and month (kept ones or computed), added up.

    Every group is a sum, a list, or (``pupils_once``) the maximum within one call,
    which lies in one month and one branch: slices add up to the whole period.
    """
    figures, reads = agenda.figures, agenda.store.statistics
    generation = await figures.look(reads)
    branches = place_branches(area)
    total_key = (tuple(_key(branch) for branch in branches), period.first_day, period.last_day)
    ready = figures.total(total_key, generation)
    if ready is not None:
        return dict(ready)
    results: list[Groups] = []
    for branch in branches:
        for part in month_slices(period):

            async def compute(branch: Branch = branch, part: Period = part) -> Groups:
                return await reads.facets(branch, part.start, part.end)

            results.append(await figures.slice(_key(branch), part, generation, compute))
    merged = {name: _merge(result[name] for result in results) for name in FACETS}
    figures.keep_total(total_key, generation, merged)
    return merged


async def _calls(agenda: Agenda, area: Area | None, period: Period) -> CallsSummary:
    reads = agenda.store.statistics
    parts = [
        await reads.call_totals(branch, period.start, period.end) for branch in place_branches(area)
    ]
    total = _merge(parts).get(None, {})
    return CallsSummary(
        published=total.get("n", 0),
        places=total.get("places", 0),
        places_taken=total.get("taken", 0),
    )


async def _supply(agenda: Agenda, area: Area | None) -> Counter[tuple[str, str | None]]:
    """Solicitable ambassadors per (department, sector) their zone has a place in."""
    departments: set[str] | None = None
    bassins: set[str] = set()
    if area is not None:
        owners = bassin_departments()
        departments = set(area.departments) | {owners[b] for b in area.bassins}
        bassins = {*area.bassins, *(b for d in area.departments for b in bassins_of(d))}
    # A plain read and the counting here: the embedded store runs pipeline stages
    # (``$unwind``, ``$switch``) slower than it hands over three fields (2,000
    # ambassadors: about 250 ms against 150 ms, measured).
    owners = bassin_departments()
    supply: Counter[tuple[str, str | None]] = Counter()
    for copy in await agenda.store.statistics.solicitable_zones(departments, bassins):
        covered = set(copy.get("zone_departments") or []) | {
            owners[slug] for slug in copy.get("zone_bassins") or [] if slug in owners
        }
        for department in covered:
            if departments is None or department in departments:
                supply[(department, copy.get("sector"))] += 1
    return supply


def _tally(groups: Iterable[Mapping[str, Any]], field: str) -> Counter[Any]:
    """How many appointments per value of one key of the groups."""
    tally: Counter[Any] = Counter()
    for group in groups:
        tally[group["_id"].get(field)] += group["n"]
    return tally


def _counts(tally: Mapping[Any, int], labels: Mapping[str, str]) -> list[Count]:
    counts = [
        Count(key=key, label=labels.get(key, key) if key is not None else NOT_GIVEN, count=n)
        for key, n in tally.items()
        if n
    ]
    return sorted(counts, key=lambda c: (-c.count, c.label))


def _every(tally: Mapping[Any, int], labels: Mapping[str, str]) -> list[Count]:
    # Every status and kind, zeros included: the columns of a table stay the same.
    return [Count(key=key, label=label, count=tally.get(key, 0)) for key, label in labels.items()]


def _months(tally: Mapping[Any, int], period: Period) -> list[Count]:
    # Every month of the period, zeros included, in order: a chart's axis has no gap.
    return [
        Count(key=key, label=label, count=tally.get(key, 0))
        for key, label in months_of(period.first_day, period.last_day)
    ]


def _delivered(
    groups: Iterable[Mapping[str, Any]], label: Callable[[Mapping[str, Any]], tuple[Any, str]]
) -> list[DeliveredGroup]:
    """Interventions, hours and pupils per establishment or level."""
    totals: dict[Any, list[int]] = {}
    names: dict[Any, str] = {}
    for group in groups:
        key, text = label(group["_id"])
        names[key] = text
        into = totals.setdefault(key, [0, 0, 0])
        into[0] += group["n"]
        into[1] += group["minutes"]
        into[2] += _pupils(group)
    rows = [
        DeliveredGroup(
            key=key[0] if isinstance(key, tuple) else key,
            label=names[key],
            interventions=n,
            hours=hours(minutes),
            pupils=pupils,
        )
        for key, (n, minutes, pupils) in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row.hours, row.label))


def _pupils(group: Mapping[str, Any]) -> int:
    # The pupils of an event once (every ambassador there met the same pupils).
    return int(group["pupils_once"] if group["_id"].get("call") else group["pupils"])


def _establishment(value: Mapping[str, Any]) -> tuple[Any, str]:
    key = (value.get("uai"), value.get("name"), value.get("city"))
    return key, f"{value.get('name')} ({value.get('city')})"


def _level(value: Mapping[str, Any]) -> tuple[Any, str]:
    level = value.get("level")
    return level, level or NOT_GIVEN


def _scope(area: Area | None) -> StatsScope:
    if area is None:
        return StatsScope(region=True, departments=[], bassins=[], label="Région Hauts-de-France")
    departments, bassins = department_names(), bassin_names()
    parts = [f"{code} {departments.get(code, code)}" for code in sorted(area.departments)]
    parts += [f"bassin {bassins.get(slug, slug)}" for slug in sorted(area.bassins)]
    return StatsScope(
        region=False,
        departments=sorted(area.departments),
        bassins=sorted(area.bassins),
        label=", ".join(parts) or "Territoire vide",
    )


async def warm_up(agenda: Agenda) -> None:
    """Compute and keep the default period's groups of the region and of each department.

    The first read after a start aggregates every month of the school year (tens of
    seconds for a region of 100,000 appointments): done in the background at start-up,
    no reader waits for it, and the reads after it only compute the months that changed.
    """
    today = agenda.now().astimezone(PARIS).date()
    period = period_of(None, None, today)
    areas: list[Area | None] = [None, *(Area.of([code]) for code in sorted(department_names()))]
    for area in areas:
        await _appointment_facets(agenda, area, period)


async def statistics(agenda: Agenda, principal: Principal, query: StatsQuery) -> Statistics:
    """The figures of the caller's perimeter over the period asked for."""
    area = statistics_area(principal, query.department, query.bassin)
    today = agenda.now().astimezone(PARIS).date()
    period = period_of(query.from_, query.to, today)
    facets = await _appointment_facets(agenda, area, period)
    sectors = sector_names()
    groups = list(facets["counts"].values())
    asked = [group for group in groups if group["_id"].get("call") is None]
    late = [group for group in groups if group["_id"].get("late_by") is not None]
    answers = facets["answers"].get(None, {"asked": 0, "n": 0, "accepted": 0, "delays": []})
    delays = [seconds for seconds in answers.get("delays", []) if seconds is not None]
    middle = median([seconds / 3600 for seconds in delays])
    delivered = list(facets["delivered"].values())
    demand: dict[tuple[str, str | None], tuple[int, int]] = {}
    for group in asked:
        cell = (group["_id"]["department"], group["_id"].get("sector"))
        satisfied = group["n"] if group["_id"]["status"] in ("accepted", "completed") else 0
        n, held = demand.get(cell, (0, 0))
        demand[cell] = (n + group["n"], held + satisfied)
    rows = supply_and_demand(await _supply(agenda, area), demand)
    departments = department_names()
    return Statistics(
        period=StatsPeriod(from_=period.first_day, to=period.last_day),
        scope=_scope(area),
        solicitations=SolicitationCounts(
            total=sum(group["n"] for group in asked),
            by_status=_every(_tally(asked, "status"), STATUS_LABELS),
            by_kind=_every(_tally(asked, "kind"), KIND_LABELS),
            by_department=_counts(_tally(asked, "department"), departments),
            by_bassin=_counts(_tally(asked, "bassin"), bassin_names()),
            by_sector=_counts(_tally(asked, "sector"), sectors),
            by_month=_months(_tally(asked, "month"), period),
        ),
        answers=Answers(
            asked=answers["asked"],
            answered=answers["n"],
            answer_rate=None
            if (answered := rate(answers["n"], answers["asked"])) is None
            else round(answered, 4),
            accepted=answers["accepted"],
            acceptance_rate=None
            if (share := rate(answers["accepted"], answers["n"])) is None
            else round(share, 4),
            median_hours_to_answer=None if middle is None else round(middle, 2),
        ),
        late_cancellations=LateCancellations(
            total=sum(group["n"] for group in late),
            by=_counts(_tally(late, "late_by"), CANCELLER_LABELS),
        ),
        delivered=Delivered(
            interventions=sum(group["n"] for group in delivered),
            hours=hours(sum(group["minutes"] for group in delivered)),
            pupils_reached=sum(_pupils(group) for group in delivered),
            by_establishment=_delivered(delivered, _establishment),
            by_level=_delivered(delivered, _level),
        ),
        supply_demand=[
            SupplyDemandRow(
                department=row.department,
                department_name=departments.get(row.department, row.department),
                sector=row.sector,
                sector_name=sectors.get(row.sector, row.sector) if row.sector else NOT_GIVEN,
                ambassadors=row.ambassadors,
                solicitations=row.solicitations,
                satisfied=row.satisfied,
                solicitations_per_ambassador=row.per_ambassador,
                missing=row.missing,
            )
            for row in rows
        ],
        calls=await _calls(agenda, area, period),
    )
