"""The yearly attestation a partner downloads: its employees' interventions, as a PDF.

Rendered with fpdf2 and its core font Helvetica in the Windows-1252 encoding
(``core_fonts_encoding``): it has every French letter (é, è, à, ç, œ, Œ…), the euro
sign and typographic quotes, and needs no font file shipped with the service. A
character outside it (a name in another script) is written without its accent, or
as "?", rather than failing the whole document.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from services.agenda.shapes.partners import PartnerReport
from shared.french import PARIS

ENCODING = "windows-1252"
FONT = "Helvetica"
TITLE = "Attestation de participation – Proch'Orientation"
# Latin letters that have no decomposed form to fall back on.
_PLAIN = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h"})


def _encodable(text: str) -> str:
    """``text`` with what Windows-1252 lacks replaced by its unaccented form, or "?"."""
    kept = []
    for character in text.translate(_PLAIN):
        try:
            character.encode(ENCODING)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", character).encode("ascii", "ignore").decode()
            character = base or "?"
        kept.append(character)
    return "".join(kept)


def _number(value: float) -> str:
    """« 1 234,50 » as French writes it (non-breaking space as thousands separator)."""
    text = f"{value:,.2f}".replace(",", "\u00a0").replace(".", ",")
    return text.removesuffix(",00")


def _euros(value: float | None) -> str:
    return "—" if value is None else f"{_number(value)} €"


class _Document(FPDF):
    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FONT, size=8)
        self.cell(0, 10, f"Page {self.page_no()}/{{nb}}", align="C")


def attestation_pdf(report: PartnerReport, *, issued_on: date) -> bytes:
    """The attestation of ``report``'s year, issued on ``issued_on``."""
    pdf = _Document(format="A4")
    pdf.core_fonts_encoding = ENCODING
    pdf.set_title(_encodable(f"{TITLE} – {report.organization.name} – {report.year}"))
    pdf.set_author("Région Hauts-de-France – Proch'Orientation")
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: int = 10, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font(FONT, style=style, size=size)
        pdf.multi_cell(width, size * 0.5, _encodable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap)

    organization = report.organization
    line(TITLE, size=15, style="B", gap=3)
    line("Région Hauts-de-France – programme Proch'Orientation", size=10, gap=4)
    siret = f" (SIRET {organization.siret})" if organization.siret else ""
    line(f"Organisation partenaire : {organization.name}{siret}", style="B")
    line(f"Année : {report.year}", style="B", gap=4)
    line(
        f"Les salariés de {organization.name} ayant déclaré leur rattachement à "
        f"l'organisation sont intervenus auprès d'élèves dans le cadre du programme "
        f"Proch'Orientation en {report.year}, comme suit.",
        gap=4,
    )

    pdf.set_font(FONT, size=9)
    with pdf.table(
        col_widths=(22, 78, 50, 18),
        text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD"),
        line_height=5,
        padding=1,
    ) as table:
        table.row(["Date", "Établissement", "Salarié", "Heures"])
        for item in report.items:
            day = item.starts_at.astimezone(PARIS).strftime("%d/%m/%Y")
            table.row(
                [
                    day,
                    _encodable(f"{item.establishment} ({item.city})"),
                    _encodable(item.employee),
                    _number(item.hours),
                ]
            )
    pdf.ln(4)

    line(
        f"Total : {report.interventions} intervention(s), {_number(report.hours)} heure(s), "
        f"{report.employees_mobilised} salarié(s) mobilisé(s).",
        style="B",
    )
    agreed = report.agreed_versus_done
    if agreed.agreed is not None:
        line(f"Convention : {agreed.agreed} intervention(s) prévue(s), {agreed.done} réalisée(s).")
    sponsorship = report.sponsorship
    if sponsorship.convention:
        line(
            f"Valorisation : {_number(sponsorship.hours or 0)} h × "
            f"{_euros(sponsorship.hourly_loaded_cost_eur)} = {_euros(sponsorship.base_eur)}."
        )
        line(
            f"Réduction d'impôt estimée : 60 % soit {_euros(sponsorship.deduction_before_cap_eur)}"
            f", plafond {_euros(sponsorship.cap_eur)} : {_euros(sponsorship.deduction_eur)}."
        )
    line(sponsorship.note, size=8, gap=4)
    line(f"Document établi le {issued_on.strftime('%d/%m/%Y')}.", size=9)
    return bytes(pdf.output())
