"""The rules of the steering statistics: period, perimeter and derived figures. No I/O.

- Period: calendar days in Europe/Paris, both included; an appointment belongs to the
  period of its start (the day of the intervention). Without dates, the current
  school year (1 September to 31 August).
- Perimeter: an admin sees the region, or the department or bassin asked; a referent
  their territory, or a department or bassin inside it (anything else is a 403).
- Solicitations are the appointments a requester asked for; a place taken at an open
  call is an intervention delivered but not a solicitation.
- Acceptance rate: accepted (then held, or cancelled later) among the solicitations
  the ambassador answered; time to answer: from the solicitation to the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.agenda import errors
from services.agenda.domain.access import territory_of
from services.agenda.domain.territory import Area, bassin_departments
from shared.french import MONTHS, PARIS
from shared.http import Principal

SCHOOL_YEAR_FIRST_MONTH = 9


@dataclass(frozen=True)
class Period:
    """Days ``first_day`` to ``last_day`` included, in Europe/Paris."""

    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        """The first instant of the period."""
        return datetime.combine(self.first_day, time(), tzinfo=PARIS)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time(), tzinfo=PARIS)


def month_slices(period: Period) -> list[Period]:
    """The period cut at the first day of each month (their figures add up)."""
    slices: list[Period] = []
    first = period.first_day
    while first <= period.last_day:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        slices.append(Period(first, min(period.last_day, following - timedelta(days=1))))
        first = following
    return slices


def school_year_of(day: date) -> Period:
    """The school year (1 September to 31 August) containing ``day``."""
    first_year = day.year if day.month >= SCHOOL_YEAR_FIRST_MONTH else day.year - 1
    return Period(date(first_year, SCHOOL_YEAR_FIRST_MONTH, 1), date(first_year + 1, 8, 31))


def period_of(first_day: date | None, last_day: date | None, today: date) -> Period:
    """The period asked for; a missing bound is that of the other bound's school year."""
    if first_day is None and last_day is None:
        return school_year_of(today)
    if first_day is None:
        assert last_day is not None
        first_day = school_year_of(last_day).first_day
    if last_day is None:
        last_day = school_year_of(first_day).last_day
    if last_day < first_day:
        raise errors.INVALID_PERIOD.error()
    return Period(first_day, last_day)


def calendar_year(year: int) -> Period:
    """1 January to 31 December of ``year`` (partners' reports are yearly)."""
    return Period(date(year, 1, 1), date(year, 12, 31))


def without_redundant_bassins(area: Area) -> Area:
    """The same places, without bassins whose whole department is already there.

    Then no place is both in a department and in a bassin of the area, so the
    department part and the bassin part can be counted apart and added.
    """
    owners = bassin_departments()
    kept = frozenset(b for b in area.bassins if owners.get(b) not in area.departments)
    return Area(area.departments, kept)


def statistics_area(
    principal: Principal, department: str | None, bassin: str | None
) -> Area | None:
    """The perimeter of the statistics asked for; None is the whole region.

    A bassin narrows a department: asking both, the bassin must be in it.
    """
    owners = bassin_departments()
    if bassin is not None and department is not None and owners.get(bassin) != department:
        raise errors.BASSIN_NOT_IN_DEPARTMENT.error()
    asked: Area | None = None
    if bassin is not None:
        asked = Area.of(bassins=[bassin])
    elif department is not None:
        asked = Area.of(departments=[department])
    if principal.role != "referent":
        return asked  # admins (the route lets no one else in)
    territory = without_redundant_bassins(territory_of(principal))
    if asked is None:
        return territory
    inside = (
        department in territory.departments
        if bassin is None
        else bassin in territory.bassins or owners.get(bassin) in territory.departments
    )
    if not inside:
        raise errors.OUTSIDE_TERRITORY.error(
            "Ce périmètre n'est pas dans votre territoire : vous ne pouvez consulter que "
            "les statistiques de votre territoire."
        )
    return asked


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def rate(part: int, whole: int) -> float | None:
    """``part / whole``, or None when there is nothing to divide."""
    return part / whole if whole else None


def hours(minutes: int) -> float:
    """Minutes as hours, to the hundredth."""
    return round(minutes / 60, 2)


@dataclass(frozen=True)
class SupplyDemand:
    """Ambassadors available against solicitations, for one department and sector."""

    department: str
    sector: str | None
    ambassadors: int
    solicitations: int
    satisfied: int

    @property
    def per_ambassador(self) -> float | None:
        """Solicitations per available ambassador (None when there is none)."""
        return round(self.solicitations / self.ambassadors, 2) if self.ambassadors else None

    @property
    def missing(self) -> bool:
        """Solicitations there, and no ambassador available to answer them."""
        return self.ambassadors == 0 and self.solicitations > 0


Cell = tuple[str, str | None]


def supply_and_demand(
    supply: Mapping[Cell, int], demand: Mapping[Cell, tuple[int, int]]
) -> list[SupplyDemand]:
    """One row per (department, sector) seen on either side, shortages first.

    ``demand`` gives (solicitations, satisfied) per cell. Rows where ambassadors are
    missing come first, then the highest number of solicitations per ambassador.
    """
    rows = [
        SupplyDemand(
            department=cell[0],
            sector=cell[1],
            ambassadors=supply.get(cell, 0),
            solicitations=demand.get(cell, (0, 0))[0],
            satisfied=demand.get(cell, (0, 0))[1],
        )
        for cell in {*supply, *demand}
    ]
    return sorted(
        rows,
        key=lambda row: (
            not row.missing,
            -(row.per_ambassador or 0.0),
            -row.solicitations,
            row.department,
            row.sector or "",
        ),
    )


def months_of(first_day: date, last_day: date) -> list[tuple[str, str]]:
    """The months the days ``first_day`` to ``last_day`` touch: (``AAAA-MM``, « mars 2027 »)."""
    months: list[tuple[str, str]] = []
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        months.append((f"{year:04d}-{month:02d}", f"{MONTHS[month - 1]} {year}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
