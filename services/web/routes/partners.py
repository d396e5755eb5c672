"""« Mon organisation »: a partner's year (interventions, hours per month as a chart
beside its table, employees, the sponsorship ledger) and its attestation, as the
agenda API reports them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from services.web import charts
from services.web.access import requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain import steering
from services.web.domain.labels import INTERVENTIONS
from services.web.rendering import render
from shared.french import PARIS

FIRST_YEAR = 2020


def add_partner_routes(router: web.UrlDispatcher) -> None:
    """The partners' pages."""
    router.add_get("/partenaires", organisation_page)
    router.add_get("/partenaires/attestation.pdf", attestation)
    router.add_get("/partenaires/graphiques/heures.svg", hours_chart)


def _year(request: web.Request) -> int:
    this_year = datetime.now(PARIS).year
    asked = request.query.get("annee", "")
    if asked.isdigit() and FIRST_YEAR <= int(asked) <= this_year:
        return int(asked)
    return this_year


async def _organisation_id(request: web.Request) -> str | None:
    me: dict[str, Any] = await api_of(request).get("/accounts/me")
    partner = me.get("partner") or {}
    found = partner.get("organization_id")
    return str(found) if found else None


async def _report(request: web.Request, year: int) -> dict[str, Any] | None:
    organisation_id = await _organisation_id(request)
    if organisation_id is None:
        return None
    try:
        found: dict[str, Any] = await api_of(request).get(
            f"/agenda/organizations/{organisation_id}/report", params={"year": year}
        )
    except ApiRefusedError as refused:
        if refused.status != 404:
            raise
        return None
    return found


@requires("partner")
async def organisation_page(request: web.Request) -> web.Response:
    """The organisation's report for a calendar year."""
    year = _year(request)
    report = await _report(request, year)
    this_year = datetime.now(PARIS).year
    return await render(
        request,
        "partners/organisation.html",
        {
            "report": report,
            "year": year,
            "years": list(range(this_year, FIRST_YEAR - 1, -1)),
            "kinds": INTERVENTIONS,
            "months": steering.hours_per_month(report) if report else [],
            "ledger": steering.ledger(report["sponsorship"]) if report else [],
        },
    )


@requires("partner")
async def hours_chart(request: web.Request) -> web.Response:
    """Hours given per month of the year, as an SVG image (its table is on the page)."""
    year = _year(request)
    report = await _report(request, year)
    if report is None:
        raise web.HTTPNotFound()
    months = steering.hours_per_month(report)
    svg = charts.bars(
        f"Heures données par mois en {year}",
        [row.label.split(" ")[0] for row in months],
        [charts.Series("Heures", [row.value for row in months])],
        description=f"Heures d'intervention des salariés par mois en {year} (chiffres dans "
        "le tableau qui suit).",
        y_title="Heures",
        integers=False,
        narrow=charts.is_narrow(request),
    )
    return charts.response(svg)


@requires("partner")
async def attestation(request: web.Request) -> web.Response:
    """The year's attestation (PDF) made by the agenda service."""
    organisation_id = await _organisation_id(request)
    if organisation_id is None:
        raise web.HTTPNotFound()
    year = _year(request)
    pdf = await api_of(request).shown(
        f"/agenda/organizations/{organisation_id}/attestation.pdf",
        params={"year": year},
        hidden=(404,),
    )
    return web.Response(
        body=pdf if isinstance(pdf, bytes) else b"",
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="attestation-prochorientation-{year}.pdf"'
        },
    )
