"""The statistics as a CSV file for spreadsheets used in France.

Choices, for what French spreadsheet users expect: ``;`` between fields (a French
Excel reads ``,`` as the decimal mark, not as a separator), a decimal comma,
dates as JJ/MM/AAAA, UTF-8 with a byte-order mark (without it Excel reads the
accents as Windows-1252), CRLF line ends, French column headers. One "long" table,
one figure per line (Rubrique; Élément; Détail; Indicateur; Valeur), so every
section fits the same columns and a pivot table rebuilds any cross-table.
Text typed by people (an establishment's name) that a spreadsheet would take for a
formula is prefixed with an apostrophe (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from services.agenda.shapes.statistics import Count, DeliveredGroup, Statistics

HEADER = ("Rubrique", "Élément", "Détail", "Indicateur", "Valeur")
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Row = tuple[str, str, str, str, str]


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _number(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    return f"{value:.2f}".replace(".", ",")


def _counts(section: str, counts: list[Count], indicator: str) -> Iterator[Row]:
    for count in counts:
        yield (section, count.label, count.key or "", indicator, _number(count.count))


def _delivered(section: str, groups: list[DeliveredGroup]) -> Iterator[Row]:
    for group in groups:
        detail = group.key or ""
        yield (section, group.label, detail, "Interventions", _number(group.interventions))
        yield (section, group.label, detail, "Heures", _number(group.hours))
        yield (section, group.label, detail, "Élèves rencontrés", _number(group.pupils))


def rows(stats: Statistics) -> Iterator[Row]:
    """Every figure of ``stats``, one per line."""
    period = stats.period
    yield ("Période", "", "", "Premier jour", period.from_.strftime("%d/%m/%Y"))
    yield ("Période", "", "", "Dernier jour", period.to.strftime("%d/%m/%Y"))
    yield ("Périmètre", stats.scope.label, "", "Territoire", "")
    solicitations = stats.solicitations
    yield ("Sollicitations", "Total", "", "Sollicitations", _number(solicitations.total))
    yield from _counts("Sollicitations par statut", solicitations.by_status, "Sollicitations")
    yield from _counts("Sollicitations par type", solicitations.by_kind, "Sollicitations")
    yield from _counts(
        "Sollicitations par département", solicitations.by_department, "Sollicitations"
    )
    yield from _counts("Sollicitations par bassin", solicitations.by_bassin, "Sollicitations")
    yield from _counts("Sollicitations par secteur", solicitations.by_sector, "Sollicitations")
    yield from _counts("Sollicitations par mois", solicitations.by_month, "Sollicitations")
    answers = stats.answers
    yield ("Réponses", "", "", "Sollicitations adressées", _number(answers.asked))
    answered = None if answers.answer_rate is None else answers.answer_rate * 100
    yield ("Réponses", "", "", "Taux de réponse (%)", _number(answered))
    yield ("Réponses", "", "", "Sollicitations ayant reçu une réponse", _number(answers.answered))
    yield ("Réponses", "", "", "Sollicitations acceptées", _number(answers.accepted))
    rate = None if answers.acceptance_rate is None else answers.acceptance_rate * 100
    yield ("Réponses", "", "", "Taux d'acceptation (%)", _number(rate))
    yield (
        "Réponses",
        "",
        "",
        "Délai médian de réponse (heures)",
        _number(answers.median_hours_to_answer),
    )
    late = stats.late_cancellations
    yield ("Annulations tardives", "Total", "", "Annulations", _number(late.total))
    yield from _counts("Annulations tardives", late.by, "Annulations")
    delivered = stats.delivered
    yield ("Interventions réalisées", "", "", "Interventions", _number(delivered.interventions))
    yield ("Interventions réalisées", "", "", "Heures", _number(delivered.hours))
    yield (
        "Interventions réalisées",
        "",
        "",
        "Élèves rencontrés",
        _number(delivered.pupils_reached),
    )
    yield from _delivered("Heures par établissement", delivered.by_establishment)
    yield from _delivered("Heures par niveau", delivered.by_level)
    for row in stats.supply_demand:
        place = f"{row.department} {row.department_name}"
        section = "Offre et demande"
        yield (
            section,
            place,
            row.sector_name,
            "Ambassadeurs disponibles",
            _number(row.ambassadors),
        )
        yield (section, place, row.sector_name, "Sollicitations", _number(row.solicitations))
        yield (
            section,
            place,
            row.sector_name,
            "Sollicitations satisfaites",
            _number(row.satisfied),
        )
        yield (
            section,
            place,
            row.sector_name,
            "Sollicitations par ambassadeur",
            _number(row.solicitations_per_ambassador),
        )
    calls = stats.calls
    yield ("Appels à participation", "", "", "Événements publiés", _number(calls.published))
    yield ("Appels à participation", "", "", "Places proposées", _number(calls.places))
    yield ("Appels à participation", "", "", "Places prises", _number(calls.places_taken))


def to_csv(stats: Statistics) -> bytes:
    """The CSV file (UTF-8 with BOM, ``;``, CRLF)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    # The figures (last column) are written here; only the text needs the guard.
    writer.writerows([*(_text(cell) for cell in row[:4]), row[4]] for row in rows(stats))
    return (BOM + buffer.getvalue()).encode("utf-8")
