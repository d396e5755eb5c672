"""What a referent does from the work queue and the territory's list: check an
extract (read in the page, « Valider » or « Refuser » with a reason), suspend an
ambassador with a reason and lift it, send an escalated request to a suggested
ambassador in one step.

Every action is a form (POST, then a redirect to a page with a banner saying what
happened); the APIs judge the programme's rules and their French messages are shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.audiences import STEERS
from services.web.domain.forms import Form
from services.web.domain.labels import RECORD_STATES
from services.web.rendering import VISIT, render, render_form, see_other
from shared.french import day_fr

QUEUE = "/referents/file-de-travail"
AMBASSADORS = "/referents/ambassadeurs"


def add_referent_action_routes(router: web.UrlDispatcher) -> None:
    """The referents' actions."""
    add_form_page(router, "/referents/extraits/{id}", record_page, decide_record)
    router.add_get("/referents/extraits/{id}/extrait.pdf", record_document)
    add_form_page(router, "/referents/ambassadeurs/{id}/suspendre", suspension_page, suspend)
    router.add_post("/referents/ambassadeurs/{id}/retablir", reinstate)
    router.add_post("/referents/sollicitations/{id}/rediriger", redirect)


async def _ambassador(request: web.Request) -> dict[str, Any]:
    found: dict[str, Any] = await api_of(request).shown(
        f"/accounts/ambassadors/{request.match_info['id']}", hidden=(400, 403, 404)
    )
    return found


# --- criminal-record extracts -----------------------------------------------------------


async def _show_record(
    request: web.Request, ambassador: dict[str, Any], form: Form | None = None
) -> web.Response:
    return await render_form(
        request,
        "referents/record.html",
        {"ambassador": ambassador, "record_states": RECORD_STATES},
        form,
    )


@requires(*STEERS)
async def record_page(request: web.Request) -> web.Response:
    """The extract shown in the page, and the decision."""
    return await _show_record(request, await _ambassador(request))


@requires(*STEERS)
async def record_document(request: web.Request) -> web.Response:
    """The extract, to be shown in the page's frame (never cached)."""
    pdf = await api_of(request).shown(
        f"/accounts/ambassadors/{request.match_info['id']}/criminal-record/document",
        hidden=(400, 403, 404, 409),
    )
    return web.Response(
        body=pdf if isinstance(pdf, bytes) else b"",
        content_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="extrait-casier-judiciaire.pdf"',
            "Cache-Control": "no-store",
            # Shown in a frame of the site's own page, nowhere else.
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


@requires(*STEERS)
async def decide_record(request: web.Request) -> web.StreamResponse:
    """« Valider » (the check is valid until the date the answer gives) or « Refuser »
    with the reason the ambassador will read."""
    ambassador = await _ambassador(request)
    form = Form.of(await request.post())
    decision = form.choice("decision", ("verified", "rejected"), "Choisissez une décision.")
    reason = form.optional("motif", max_length=1000)
    if decision == "rejected" and not reason:
        form.fail("motif", "Indiquez pourquoi l'extrait est refusé : l'ambassadeur le lira.")
    if not form.ok:
        return await _show_record(request, ambassador, form)
    body: dict[str, Any] = {"decision": decision}
    if reason:
        body["note"] = reason
    visit = request[VISIT]
    name = f"{ambassador['first_name']} {ambassador['last_initial']}"
    try:
        state = await api_of(request).post(
            f"/accounts/ambassadors/{ambassador['id']}/criminal-record/decision", body
        )
    except ApiRefusedError as refused:
        if refused.status not in (403, 409, 422):
            raise
        await visit.flash(refused.message, kind="error")
        return see_other(f"{QUEUE}#extraits")
    if decision == "verified":
        until = state.get("valid_until")
        validity = f" jusqu'au {day_fr(datetime.fromisoformat(until))}" if until else ""
        await visit.flash(
            f"L'extrait de {name} est validé : la vérification est valable{validity}. "
            f"{name} peut maintenant être sollicité."
        )
    else:
        await visit.flash(f"L'extrait de {name} est refusé ; le motif lui est envoyé par e-mail.")
    return see_other(f"{QUEUE}#extraits")


# --- suspension -------------------------------------------------------------------------


@requires(*STEERS)
async def suspension_page(request: web.Request) -> web.Response:
    """Suspend an ambassador: the reason first."""
    return await render(
        request, "referents/suspend.html", {"ambassador": await _ambassador(request), "values": {}}
    )


@requires(*STEERS)
async def suspend(request: web.Request) -> web.StreamResponse:
    """Suspend with a reason: no one can solicit them until it is lifted."""
    ambassador = await _ambassador(request)
    form = Form.of(await request.post())
    reason = form.required("motif", "Indiquez le motif de la suspension.", max_length=1000)
    if reason and len(reason) < 3:
        form.fail("motif", "Indiquez le motif en quelques mots.")
    if not form.ok:
        return await render(
            request,
            "referents/suspend.html",
            {"ambassador": ambassador, "values": form.values, "errors": form.errors},
            status=422,
        )
    name = f"{ambassador['first_name']} {ambassador['last_initial']}"
    visit = request[VISIT]
    try:
        await api_of(request).post(
            f"/accounts/ambassadors/{ambassador['id']}/suspension", {"reason": reason}
        )
    except ApiRefusedError as refused:
        if refused.status not in (403, 409, 422):
            raise
        await visit.flash(refused.message, kind="error")
    else:
        await visit.flash(
            f"{name} est suspendu : plus personne ne peut le solliciter. "
            "Vous pouvez lever la suspension depuis la liste des ambassadeurs."
        )
    return see_other(f"{AMBASSADORS}#ambassadeur-{ambassador['id']}")


@requires(*STEERS)
async def reinstate(request: web.Request) -> web.StreamResponse:
    """Lift a suspension."""
    ambassador = await _ambassador(request)
    name = f"{ambassador['first_name']} {ambassador['last_initial']}"
    visit = request[VISIT]
    try:
        await api_of(request).call("DELETE", f"/accounts/ambassadors/{ambassador['id']}/suspension")
    except ApiRefusedError as refused:
        if refused.status not in (403, 409):
            raise
        await visit.flash(refused.message, kind="error")
    else:
        await visit.flash(f"La suspension de {name} est levée : il peut de nouveau être sollicité.")
    return see_other(f"{AMBASSADORS}#ambassadeur-{ambassador['id']}")


# --- redirection ------------------------------------------------------------------------


@requires(*STEERS)
async def redirect(request: web.Request) -> web.StreamResponse:
    """Send an escalated request to the suggested ambassador chosen, in one step."""
    form = Form.of(await request.post())
    chosen = form.text("ambassadeur")
    visit = request[VISIT]
    if not chosen:
        await visit.flash("Choisissez l'ambassadeur à qui adresser la demande.", kind="error")
        return see_other(f"{QUEUE}#signalees")
    try:
        created = await api_of(request).post(
            f"/agenda/appointments/{request.match_info['id']}/redirect", {"ambassador_id": chosen}
        )
    except ApiRefusedError as refused:
        if refused.status in (400, 404):
            raise web.HTTPNotFound() from refused
        if refused.status not in (403, 409, 422):
            raise
        await visit.flash(refused.message, kind="error")
        return see_other(f"{QUEUE}#signalees")
    await visit.flash(
        f"La demande a été adressée à {created['ambassador']['name']}, qui la reçoit par "
        "e-mail ; l'ambassadeur précédent est prévenu de l'annulation."
    )
    return see_other(f"/agenda/rendez-vous/{created['id']}")
