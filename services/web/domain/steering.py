"""The figures of the referents' and partners' pages, shaped for a chart and its table.

No I/O: the numbers are the APIs' (``/agenda/stats`` and a partner's report), only
arranged here into rows, series and the colours of the supply-and-demand heat map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.french import PARIS

# Outcomes of solicitations, in the order of the chart; cancellations are split in
# two: those under 48 h before the start (« tardives ») apart.
OUTCOMES = (
    ("pending", "En attente"),
    ("accepted", "Acceptées"),
    ("completed", "Réalisées"),
    ("refused", "Refusées"),
    ("expired", "Expirées sans réponse"),
    ("cancelled", "Annulées à l'avance"),
    ("late_cancelled", "Annulées tardivement"),
)
SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
# Heat of a cell of supply against demand, as colour and as words (never colour alone).
SHORTAGE = ("#b3261e", "Aucun ambassadeur disponible")
STRAINED = ("#b8420a", "Plus de 2 sollicitations par ambassadeur")
BALANCED = ("#2e7d32", "2 sollicitations ou moins par ambassadeur")
STRAIN_ABOVE = 2.0
CHARTS = ("mois", "issues", "offre-demande")


@dataclass(frozen=True)
class Row:
    """One line of a chart's table."""

    label: str
    value: float


class HeatCell(BaseModel):
    """Supply against demand for one department and one sector: a row of the API's
    ``supply_demand`` under the page's names, with its heat."""

    model_config = ConfigDict(frozen=True)

    department: str = Field(alias="department_name")
    sector: str = Field(alias="sector_name")
    ambassadors: int
    solicitations: int
    satisfied: int
    colour: str
    words: str


def month_label(key: str) -> str:
    """« sept. 2026 » for ``2026-09``."""
    year, month = key.split("-")
    return f"{SHORT_MONTHS[int(month) - 1]} {year}"


def per_month(stats: Mapping[str, Any]) -> list[Row]:
    """Solicitations per month of the intervention, every month of the period."""
    return [
        Row(month_label(str(item["key"])), item["count"])
        for item in stats["solicitations"].get("by_month", [])
    ]


def outcomes(stats: Mapping[str, Any]) -> list[Row]:
    """What became of the solicitations; late cancellations apart from the others."""
    by_status = {item["key"]: item["count"] for item in stats["solicitations"]["by_status"]}
    late = int(stats["late_cancellations"]["total"])
    counted = {**by_status, "cancelled": by_status.get("cancelled", 0) - late}
    counted["late_cancelled"] = late
    return [Row(label, max(0, counted.get(key, 0))) for key, label in OUTCOMES]


def heat(row: Mapping[str, Any]) -> tuple[str, str]:
    """The colour and the words of one cell of supply against demand."""
    if row["missing"]:
        return SHORTAGE
    ratio = row.get("solicitations_per_ambassador")
    if ratio is not None and ratio > STRAIN_ABOVE:
        return STRAINED
    return BALANCED


def supply_and_demand(stats: Mapping[str, Any]) -> list[HeatCell]:
    """Cells with solicitations (demand), shortages first as the API orders them."""
    return [_cell(row) for row in stats["supply_demand"] if row["solicitations"]]


def _cell(row: Mapping[str, Any]) -> HeatCell:
    colour, words = heat(row)
    return HeatCell.model_validate({**row, "colour": colour, "words": words})


def heat_matrix(
    cells: Sequence[HeatCell],
) -> tuple[list[str], list[tuple[str, list[float | None], list[str | None]]]]:
    """Departments as columns, sectors as rows: each cell's demand and colour."""
    departments = sorted({cell.department for cell in cells})
    sectors = sorted({cell.sector for cell in cells})
    found = {(cell.sector, cell.department): cell for cell in cells}
    rows: list[tuple[str, list[float | None], list[str | None]]] = []
    for sector in sectors:
        values: list[float | None] = []
        colours: list[str | None] = []
        for department in departments:
            cell = found.get((sector, department))
            values.append(cell.solicitations if cell else None)
            colours.append(cell.colour if cell else None)
        rows.append((sector, values, colours))
    return departments, rows


def missing_sectors(stats: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The most requested sectors without any ambassador available, most asked first."""
    rows = [row for row in stats["supply_demand"] if row["missing"]]
    return sorted(rows, key=lambda row: (-row["solicitations"], row["sector_name"]))


def answer_rate(stats: Mapping[str, Any]) -> float | None:
    """The API's answer rate (answered / asked)."""
    value = stats["answers"].get("answer_rate")
    return None if value is None else float(value)


# --- partners ----------------------------------------------------------------------------


def hours_per_month(report: Mapping[str, Any]) -> list[Row]:
    """Hours given in each month of the report's year (the sum of its interventions)."""
    totals = [0.0] * 12
    for item in report["items"]:
        month = datetime.fromisoformat(str(item["starts_at"])).astimezone(PARIS).month
        totals[month - 1] += float(item["hours"])
    year = report["year"]
    return [
        Row(f"{SHORT_MONTHS[index]} {year}", round(total, 2)) for index, total in enumerate(totals)
    ]


@dataclass(frozen=True)
class LedgerLine:
    """One line of the sponsorship ledger: what is counted and how much it is worth."""

    label: str
    value: str
    explanation: str


def euros(value: float) -> str:
    """« 12 345,60 € » (a narrow no-break space between thousands, as in French)."""
    whole = f"{value:,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{whole} €"


def hours_fr(value: float) -> str:
    """« 3,5 h »."""
    text = f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return f"{text} h"


def ledger(sponsorship: Mapping[str, Any]) -> list[LedgerLine]:
    """The deduction as the booklet computes it, step by step, from the API's figures."""
    if not sponsorship.get("convention"):
        return []
    rate = float(sponsorship["rate"] or 0)
    lines = [
        LedgerLine(
            "Temps donné", hours_fr(float(sponsorship["hours"] or 0)), "interventions réalisées"
        ),
        LedgerLine(
            "Coût salarial chargé d'une heure",
            euros(float(sponsorship["hourly_loaded_cost_eur"] or 0)),
            "selon la convention de mécénat",
        ),
        LedgerLine(
            "Coût du temps donné",
            euros(float(sponsorship["base_eur"] or 0)),
            "heures × coût horaire chargé",
        ),
        LedgerLine(
            f"Réduction avant plafond ({round(rate * 100):d} %)",
            euros(float(sponsorship["deduction_before_cap_eur"] or 0)),
            f"{round(rate * 100):d} % du coût du temps donné",
        ),
        LedgerLine(
            "Plafond",
            euros(float(sponsorship["cap_eur"] or 0)),
            "le plus élevé de "
            + euros(float(sponsorship["floor_cap_eur"] or 0))
            + " et de 0,5 % du chiffre d'affaires ("
            + euros(float(sponsorship["revenue_cap_eur"] or 0))
            + ")",
        ),
        LedgerLine(
            "Réduction d'impôt estimée",
            euros(float(sponsorship["deduction_eur"])),
            "plafonnée" if sponsorship.get("capped") else "sous le plafond",
        ),
    ]
    return lines
