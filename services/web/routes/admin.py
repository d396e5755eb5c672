"""« Administration »: an index of the administrators' tools, with the emails that
failed or were parked (and « Renvoyer »), the addresses that bounce, and the audit log
of reads of personal data, filtered by person, reader and period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import web

from services.web.access import requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.forms import Form, paris_midnight
from services.web.domain.labels import AUDIT_ACTIONS, DELIVERY_STATES, SERVICES
from services.web.rendering import VISIT, render, see_other
from services.web.routes.admin_accounts import add_admin_account_routes
from services.web.routes.admin_erasures import add_admin_erasure_routes
from services.web.routes.admin_parked import add_admin_parked_routes
from services.web.routes.admin_partners import add_admin_partner_routes

SHOWN = 20
FAILED = ("failed", "dead")


def add_admin_routes(router: web.UrlDispatcher) -> None:
    """The administrators' pages."""
    router.add_get("/admin", index)
    router.add_post("/admin/envois/{id}/renvoyer", retry)
    router.add_post("/admin/adresses/{address}/debloquer", unblock)
    add_admin_account_routes(router)
    add_admin_parked_routes(router)
    add_admin_erasure_routes(router)
    add_admin_partner_routes(router)


@requires("admin")
async def index(request: web.Request) -> web.Response:
    """What needs an administrator: failed emails first, then who read whose data."""
    api = api_of(request)
    deliveries: list[dict[str, Any]] = []
    for status in FAILED:
        found = await api.get("/notifier/deliveries", params={"status": status, "limit": SHOWN})
        deliveries.extend(found["items"])
    deliveries.sort(key=lambda row: str(row["updated_at"]), reverse=True)
    undeliverable = await api.get("/notifier/undeliverable")
    totals = await api.get("/notifier/deliveries/totals")
    form, params = _audit_query(request)
    audit: dict[str, Any] = {"items": [], "next_cursor": None}
    if form.ok:
        try:
            audit = await api.get("/accounts/audit", params={**params, "limit": SHOWN})
        except ApiRefusedError as refused:
            if refused.status != 400:
                raise
            form.fail("personne", refused.message)
    return await render(
        request,
        "admin/index.html",
        {
            "deliveries": deliveries[:SHOWN],
            "totals": [
                (DELIVERY_STATES[status][0], totals[status])
                for status in ("sent", "queued", "sending", "failed", "dead")
            ],
            "undeliverable": undeliverable,
            "audit": audit["items"],
            "audit_next": audit.get("next_cursor"),
            "values": form.values,
            "errors": form.errors,
            "delivery_states": DELIVERY_STATES,
            "actions": AUDIT_ACTIONS,
            "services": SERVICES,
        },
    )


def _audit_query(request: web.Request) -> tuple[Form, dict[str, str]]:
    """The audit log's filters from the address: person, reader, first and last day."""
    form = Form.of(request.query)
    params: dict[str, str] = {}
    for field, name in (("personne", "user_id"), ("lecteur", "actor_id")):
        value = form.text(field)
        if value:
            params[name] = value
    start = form.day("du", "", required=False)
    end = form.day("au", "", required=False)
    if start and end and end < start:
        form.fail("au", "Indiquez un dernier jour après le premier jour.")
    if start:
        params["from"] = paris_midnight(start).isoformat()
    if end:
        params["to"] = paris_midnight(end + timedelta(days=1)).isoformat()
    cursor = form.text("curseur")
    if cursor:
        params["cursor"] = cursor
    return form, params


@requires("admin")
async def retry(request: web.Request) -> web.StreamResponse:
    """Send a failed email again; the notifier takes it back in its queue."""
    visit = request[VISIT]
    try:
        queued = await api_of(request).post(
            f"/notifier/deliveries/{request.match_info['id']}/retry"
        )
    except ApiRefusedError as refused:
        if refused.status == 404:
            raise web.HTTPNotFound() from refused
        await visit.flash(refused.message, kind="error")
    else:
        await visit.flash(
            f"L'e-mail à {queued['recipient']} va être renvoyé dans quelques instants."
        )
    return see_other("/admin#envois")


@requires("admin")
async def unblock(request: web.Request) -> web.StreamResponse:
    """Write again to an address that bounced (its owner says it works now)."""
    address = request.match_info["address"]
    visit = request[VISIT]
    try:
        await api_of(request).call("DELETE", f"/notifier/undeliverable/{quote(address, safe='')}")
    except ApiRefusedError as refused:
        await visit.flash(refused.message, kind="error")
    else:
        await visit.flash(f"Les e-mails de la plateforme sont de nouveau envoyés à {address}.")
    return see_other("/admin#adresses")
