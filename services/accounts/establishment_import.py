"""Import the Ministry's « Annuaire de l'éducation » into the reference data.

The Annuaire lists every school of France (tens of thousands of rows, dozens of columns). The
platform keeps the establishments of Hauts-de-France whose kind it deals with
(collèges, lycées, LP, CIO, EREA…; not écoles, médico-social or services) and open,
in the same layout with only the columns it reads. The Nord's bassins are not taken
from the Annuaire but from the commune mapping (``data/bassins_nord.csv``, replaced by
``--bassins``); Nord communes missing from it are reported so the mapping can be
completed.

Run by ``python -m services.accounts.cli import-establishments`` (see
``shared/reference/data/README.md``, where both files are); the services read them at
start-up.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from services.accounts.domain.catalog import region
from services.accounts.domain.establishments import (
    CLOSED_STATES,
    COLUMNS,
    DEPARTMENT,
    NAME,
    NATURE,
    POSTCODE,
    STATE,
    STATUS,
    TOWN,
    TYPE,
    UAI,
    department_of,
    is_uai,
    kind_of,
    normalise_uai,
    parse_establishments,
    sector_of,
)
from services.accounts.domain.word_index import words
from shared.reference.places import DATA_DIR, NORD, BassinMap, read_bassins

ESTABLISHMENTS_FILE = "establishments.csv"
BASSINS_FILE = "bassins_nord.csv"
_REQUIRED = tuple(column for column in COLUMNS if column != NATURE)


@dataclass
class ImportReport:
    """What an import kept and left out, for the person running it."""

    kept: Counter[str] = field(default_factory=Counter)  # by department
    kinds: Counter[str] = field(default_factory=Counter)
    outside_region: int = 0
    other_kinds: int = 0
    closed: int = 0
    invalid: int = 0
    duplicates: int = 0
    without_bassin: set[str] = field(default_factory=set)  # "59000 Lille"

    def lines(self) -> list[str]:
        """The report in French, one line per fact."""
        total = sum(self.kept.values())
        departments = ", ".join(f"{code} : {count}" for code, count in sorted(self.kept.items()))
        kinds = ", ".join(f"{kind} : {count}" for kind, count in self.kinds.most_common())
        lines = [
            f"Établissements retenus : {total} ({departments}).",
            f"Par type : {kinds}." if kinds else "Par type : aucun.",
            f"Écartés : hors des Hauts-de-France {self.outside_region}, d'un autre type "
            f"(écoles, médico-social, services…) {self.other_kinds}, fermés {self.closed}, "
            f"lignes invalides {self.invalid}, doublons {self.duplicates}.",
        ]
        if self.without_bassin:
            lines.append(
                f"Communes du Nord absentes de la table des bassins (leurs établissements "
                f"n'auront pas de bassin) : {len(self.without_bassin)} — "
                f"{', '.join(sorted(self.without_bassin))}."
            )
        return lines


def _columns(header: Iterable[str]) -> dict[str, str]:
    """Official column name → the file's spelling (exports differ in case)."""
    by_lower = {name.strip().lower(): name for name in header}
    found = {
        column: by_lower[column.lower()]
        for column in (*COLUMNS, STATE)
        if column.lower() in by_lower
    }
    missing = [column for column in _REQUIRED if column not in found]
    if missing:
        raise ValueError(f"colonnes absentes du fichier : {', '.join(missing)}")
    return found


def _rows(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """Rows of the Annuaire keyed by the official column names."""
    header_line = next(lines, "")
    # The data portal exports with semicolons; some mirrors use commas.
    delimiter = ";" if ";" in header_line else ","
    reader = csv.reader([header_line], delimiter=delimiter)
    header = next(reader, [])
    columns = _columns(header)
    position = {name: index for index, name in enumerate(header)}
    for values in csv.reader(lines, delimiter=delimiter):
        if not values:
            continue
        yield {
            official: values[position[spelled]].strip() if position[spelled] < len(values) else ""
            for official, spelled in columns.items()
        }


def select(
    rows: Iterable[dict[str, str]], bassins: BassinMap
) -> tuple[list[list[str]], ImportReport]:
    """The rows to keep, in the shipped layout and UAI order, and the report."""
    report = ImportReport()
    kept: dict[str, list[str]] = {}
    departments = region().departments
    for row in rows:
        department = department_of(row[DEPARTMENT])
        if department not in departments:
            report.outside_region += 1
            continue
        if " ".join(words(row.get(STATE, ""))) in CLOSED_STATES:
            report.closed += 1
            continue
        kind = kind_of(row[TYPE], row.get(NATURE, ""))
        if kind is None:
            report.other_kinds += 1
            continue
        uai = normalise_uai(row[UAI])
        if not is_uai(uai) or sector_of(row[STATUS]) is None or not row[NAME]:
            report.invalid += 1
            continue
        if uai in kept:
            report.duplicates += 1
            continue
        postcode = row[POSTCODE]
        # Spreadsheets drop the leading zero of the Aisne's postcodes.
        row = {**row, UAI: uai, POSTCODE: postcode.zfill(5) if postcode.isdigit() else postcode}
        kept[uai] = [row.get(column, "") for column in COLUMNS]
        report.kept[department] += 1
        report.kinds[kind] += 1
        if department == NORD and bassins.bassin_of(row[POSTCODE], row[TOWN]) is None:
            report.without_bassin.add(f"{row[POSTCODE]} {row[TOWN]}")
    return [kept[uai] for uai in sorted(kept)], report


def _csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    # A service starting while the file is written reads the old one or the new one.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def import_establishments(
    source: Path, *, output_dir: Path = DATA_DIR, bassins_file: Path | None = None
) -> ImportReport:
    """Write ``establishments.csv`` into ``output_dir`` from the Annuaire file ``source``,
    and ``bassins_nord.csv`` from ``bassins_file`` when given (else the mapping already
    in ``output_dir``, or the shipped one, decides the Nord's bassins).

    ValueError (in French) when a file is not in the expected layout: nothing is
    written then.
    """
    mapping = bassins_file
    if mapping is None:
        mapping = output_dir / BASSINS_FILE
        if not mapping.exists():
            mapping = DATA_DIR / BASSINS_FILE
    bassin_text = mapping.read_text("utf-8-sig")
    bassins = read_bassins(bassin_text.splitlines())
    with source.open(encoding="utf-8-sig", newline="") as lines:
        kept, report = select(_rows(iter(lines)), bassins)
    text = _csv_text([list(COLUMNS), *kept])
    # What the service will read must load: check it before replacing anything.
    parse_establishments(text.splitlines(), bassins)
    if bassins_file is not None:
        _write_atomically(output_dir / BASSINS_FILE, bassin_text)
    _write_atomically(output_dir / ESTABLISHMENTS_FILE, text)
    return report


IMPORT_COMMAND = "import-establishments"


def add_import_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Declare ``import-establishments`` on the command line of accounts."""
    command = commands.add_parser(
        IMPORT_COMMAND,
        help="importer l'Annuaire de l'éducation (établissements des Hauts-de-France)",
        description=(
            "Lit le fichier CSV de l'Annuaire de l'éducation (séparateur « ; ») et écrit "
            "les établissements des Hauts-de-France retenus dans establishments.csv."
        ),
    )
    command.add_argument("source", type=Path, help="fichier CSV de l'Annuaire de l'éducation")
    command.add_argument(
        "--bassins",
        type=Path,
        help="table commune → bassin du Nord (code_postal;commune;bassin) qui remplace l'actuelle",
    )
    command.add_argument(
        "--output-dir",
        type=Path,
        default=DATA_DIR,
        help="dossier où écrire les fichiers (par défaut, les données du service)",
    )


def run_import(arguments: argparse.Namespace) -> None:
    """Run ``import-establishments``: print the report, or exit with the reason."""
    try:
        report = import_establishments(
            arguments.source, output_dir=arguments.output_dir, bassins_file=arguments.bassins
        )
    except (OSError, ValueError, KeyError, csv.Error) as error:
        sys.exit(f"Import impossible : {error}")
    for line in report.lines():
        print(line)
    print(
        f"Écrit dans {arguments.output_dir / ESTABLISHMENTS_FILE}. Redémarrez le service "
        "pour qu'il lise la nouvelle liste."
    )
