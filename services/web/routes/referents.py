"""The referents' tools: « File de travail », the ambassadors of the territory and
« Statistiques » (administrators see the whole region).

Tables of what the agenda and accounts APIs return, and charts of the same numbers
drawn on the server (``services.web.charts``), each beside its table; the APIs keep
each referent to their territory. The actions (extracts, suspensions, redirections)
are in ``referent_actions``; publishing an open call, which educational teams do too,
in ``call_publishing``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from services.web import charts
from services.web.access import requires
from services.web.client import Api, ApiRefusedError
from services.web.context import api_of
from services.web.domain import steering
from services.web.domain.audiences import STEERS
from services.web.domain.forms import Form
from services.web.domain.labels import (
    INTERVENTIONS,
    NOT_SOLICITABLE,
    PROFILES,
    RECORD_STATES,
    REQUESTER_ROLES,
)
from services.web.rendering import render
from services.web.routes.referent_actions import add_referent_action_routes

QUEUE_SIZE = 20
DIRECTORY_SIZE = 50
# The filters of the ambassadors' list: address value → (API state, words).
AMBASSADOR_FILTERS: dict[str, tuple[str | None, str]] = {
    "": (None, "Tous"),
    "extrait-a-verifier": ("record_to_check", "Extrait à vérifier"),
    "suspendus": ("suspended", "Suspendus"),
    "renouvellement": ("renewal_due", "Extrait à renouveler"),
}


def _filtered(key: str) -> str:
    """The address of the ambassadors' list with the filter ``key`` ("": all of them)."""
    return f"/referents/ambassadeurs?etat={key}" if key else "/referents/ambassadeurs"


def add_referent_routes(router: web.UrlDispatcher) -> None:
    """The referents' pages."""
    router.add_get("/referents", referents_home)
    router.add_get("/referents/file-de-travail", work_queue_page)
    router.add_get("/referents/ambassadeurs", ambassadors_page)
    router.add_get("/referents/statistiques", statistics_page)
    router.add_get("/referents/statistiques.csv", statistics_csv)
    router.add_get("/referents/statistiques/graphiques/{name}.svg", statistics_chart)
    add_referent_action_routes(router)


async def referents_home(request: web.Request) -> web.StreamResponse:
    """The tools start with the work queue."""
    raise web.HTTPFound("/referents/file-de-travail")


async def _places(api: Api) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Names of departments, bassins and sectors, by code."""
    territory = await api.get("/accounts/territory")
    sectors = await api.get("/accounts/sectors")
    return (
        {row["code"]: row["name"] for row in territory["departments"]},
        {row["code"]: row["name"] for row in territory["bassins"]},
        {row["slug"]: row["name"] for row in sectors},
    )


@requires(*STEERS)
async def work_queue_page(request: web.Request) -> web.Response:
    """Requests without an answer, those signalled to the referent, extracts to check,
    and the ambassadors nobody has asked yet."""
    api = api_of(request)
    queue = await api.get("/agenda/work-queue", params={"limit": QUEUE_SIZE})
    records = await api.get("/accounts/criminal-records", params={"limit": QUEUE_SIZE})
    staff_to_verify = await api.get("/accounts/staff-verifications", params={"limit": QUEUE_SIZE})
    renewals = await _renewals_due(api)
    departments, bassins, sectors = await _places(api)
    return await render(
        request,
        "referents/work_queue.html",
        {
            "queue": queue,
            "records": records,
            "staff_to_verify": staff_to_verify,
            "kinds": INTERVENTIONS,
            "requester_roles": REQUESTER_ROLES,
            "departments": departments,
            "bassins": bassins,
            "sectors": sectors,
            "renewals": renewals,
        },
    )


async def _renewals_due(api: Api) -> dict[str, Any]:
    """Checks of the territory ending soon (or ended) with no new extract sent yet."""
    found: dict[str, Any] = await api.get(
        "/accounts/moderation/ambassadors", params={"state": "renewal_due", "limit": QUEUE_SIZE}
    )
    return found


@requires(*STEERS)
async def ambassadors_page(request: web.Request) -> web.Response:
    """The territory's ambassadors with their state: solicitable or why not, the
    extract's check, the suspension (and the actions on each)."""
    api = api_of(request)
    state = request.query.get("etat", "")
    params: dict[str, Any] = {"limit": DIRECTORY_SIZE}
    if state in AMBASSADOR_FILTERS and AMBASSADOR_FILTERS[state][0]:
        params["state"] = AMBASSADOR_FILTERS[state][0]
    cursor = request.query.get("curseur")
    if cursor:
        params["cursor"] = cursor
    try:
        found = await api.get("/accounts/moderation/ambassadors", params=params)
    except ApiRefusedError as refused:
        if refused.status != 400:
            raise
        raise web.HTTPFound("/referents/ambassadeurs") from refused
    me = await api.get("/accounts/me")
    departments, bassins, sectors = await _places(api)
    return await render(
        request,
        "referents/ambassadors.html",
        {
            "listed": found["items"],
            "next_cursor": found.get("next_cursor"),
            "state": state if state in AMBASSADOR_FILTERS else "",
            "filters": [(_filtered(key), label) for key, (_, label) in AMBASSADOR_FILTERS.items()],
            "current_filter": _filtered(state if state in AMBASSADOR_FILTERS else ""),
            "profiles": PROFILES,
            "record_states": RECORD_STATES,
            "reasons": NOT_SOLICITABLE,
            "departments": departments,
            "bassins": bassins,
            "sectors": sectors,
            "territory": (me.get("referent") or {}).get("territory"),
        },
    )


def _stats_query(request: web.Request) -> tuple[Form, dict[str, str]]:
    """The period and department asked in the address, checked."""
    form = Form.of(request.query)
    start = form.day("du", "", required=False)
    end = form.day("au", "", required=False)
    if start and end and end < start:
        form.fail("au", "Indiquez un dernier jour après le premier jour.")
    params: dict[str, str] = {}
    department = form.text("departement")
    if department:
        params["department"] = department
    if start:
        params["from"] = start.isoformat()
    if end:
        params["to"] = end.isoformat()
    return form, params


@requires(*STEERS)
async def statistics_page(request: web.Request) -> web.Response:
    """The figures of the territory over a period, as tables (charts come later)."""
    api = api_of(request)
    form, params = _stats_query(request)
    departments, _, _ = await _places(api)
    stats = None
    status = 200
    if form.ok:
        try:
            stats = await api.get("/agenda/stats", params=params)
            period = stats["period"]
            # Days without a time: the date filters take them as days, not instants.
            stats["period"] = {key: date.fromisoformat(period[key]) for key in ("from", "to")}
        except ApiRefusedError as refused:
            if refused.status not in (400, 403, 422):
                raise
            by_field = refused.field_messages()
            field = "departement" if "department" in by_field or refused.status == 403 else "du"
            form.fail(field, next(iter(by_field.values()), None) or refused.message)
    if not form.ok:
        status = 422
    query = urlencode(
        {name: form.text(name) for name in ("du", "au", "departement") if form.text(name)}
    )
    return await render(
        request,
        "referents/statistics.html",
        {
            "stats": stats,
            "months": steering.per_month(stats) if stats else [],
            "outcomes": steering.outcomes(stats) if stats else [],
            "cells": steering.supply_and_demand(stats) if stats else [],
            "missing": steering.missing_sectors(stats) if stats else [],
            "answer_rate": steering.answer_rate(stats) if stats else None,
            "heat_keys": (steering.SHORTAGE, steering.STRAINED, steering.BALANCED),
            "chart_query": f"?{query}" if query else "",
            "values": form.values,
            "errors": form.errors,
            "departments": departments,
            "csv_query": query,
        },
        status=status,
    )


@requires(*STEERS)
async def statistics_csv(request: web.Request) -> web.Response:
    """The same figures as the API's CSV file, for a spreadsheet."""
    form, params = _stats_query(request)
    if not form.ok:
        raise web.HTTPBadRequest()
    try:
        answer = await api_of(request).call("GET", "/agenda/stats.csv", params=params)
    except ApiRefusedError as refused:
        if refused.status in (400, 403, 422):
            raise web.HTTPBadRequest() from refused
        raise
    return web.Response(
        body=answer.body if isinstance(answer.body, bytes) else b"",
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": answer.headers.get(
                "Content-Disposition", 'attachment; filename="statistiques.csv"'
            )
        },
    )


@requires(*STEERS)
async def statistics_chart(request: web.Request) -> web.Response:
    """One chart of the statistics page, as an SVG image, for the same filters."""
    name = request.match_info["name"]
    if name not in steering.CHARTS:
        raise web.HTTPNotFound()
    form, params = _stats_query(request)
    if not form.ok:
        raise web.HTTPBadRequest()
    try:
        stats = await api_of(request).get("/agenda/stats", params=params)
    except ApiRefusedError as refused:
        if refused.status in (400, 403, 422):
            raise web.HTTPBadRequest() from refused
        raise
    return charts.response(_draw(name, stats, narrow=charts.is_narrow(request)))


def _draw(name: str, stats: dict[str, Any], *, narrow: bool) -> bytes:
    scope = stats["scope"]["label"]
    if name == "mois":
        return _solicitation_bars(
            "Sollicitations par mois de l'intervention",
            steering.per_month(stats),
            description=f"Sollicitations par mois, {scope} (les chiffres sont dans le tableau "
            "qui suit le graphique).",
            y_title="Sollicitations",
            narrow=narrow,
        )
    if name == "issues":
        return _solicitation_bars(
            "Ce que sont devenues les sollicitations",
            steering.outcomes(stats),
            description=f"Sollicitations par issue, {scope} (chiffres dans le tableau).",
            horizontal=True,
            narrow=narrow,
        )
    cells = steering.supply_and_demand(stats)
    columns, rows = steering.heat_matrix(cells)
    return charts.matrix(
        "Sollicitations par département et secteur",
        columns,
        [charts.Series(sector, values) for sector, values, _ in rows],
        colours=[colours for _, _, colours in rows],
        description="Offre et demande par département et secteur : la taille du disque dit "
        "le nombre de sollicitations, sa couleur la tension (chiffres dans le tableau).",
        narrow=narrow,
    )


def _solicitation_bars(
    title: str,
    rows: list[steering.Row],
    *,
    description: str,
    y_title: str | None = None,
    horizontal: bool = False,
    narrow: bool,
) -> bytes:
    """One bar a row, counting solicitations."""
    return charts.bars(
        title,
        [row.label for row in rows],
        [charts.Series("Sollicitations", [row.value for row in rows])],
        description=description,
        y_title=y_title,
        horizontal=horizontal,
        narrow=narrow,
    )
