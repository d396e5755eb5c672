"""Referents confirm or refuse that a person works at the establishment they named.

The people waiting are listed in the work queue (« Personnels à vérifier »); each
decision is a form posted here, then back to the queue with a banner saying what
happened. Accounts judges who may decide; its French messages are shown as they are.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.web.access import requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.audiences import STEERS
from services.web.domain.forms import Form
from services.web.rendering import VISIT, see_other

BACK = "/referents/file-de-travail#personnels"


def add_staff_check_routes(router: web.UrlDispatcher) -> None:
    """The decision on a staff member's attachment."""
    router.add_post("/referents/personnels/{id}", decide_staff)


@requires(*STEERS)
async def decide_staff(request: web.Request) -> web.StreamResponse:
    """« Confirmer » opens the establishment to the person at once; « Refuser » needs the
    reason they will read by email."""
    form = Form.of(await request.post())
    decision = form.choice("decision", ("verified", "refused"), "Choisissez une décision.")
    reason = form.optional("motif", max_length=1000)
    name = form.text("nom")[:120] or "cette personne"
    visit = request[VISIT]
    if decision == "refused" and not reason:
        await visit.flash(
            f"Indiquez pourquoi vous refusez le rattachement de {name} : la personne le lira.",
            kind="error",
        )
        return see_other(BACK)
    if not form.ok:
        return see_other(BACK)
    body: dict[str, Any] = {"decision": decision}
    if reason:
        body["reason"] = reason
    try:
        await api_of(request).post(f"/accounts/staff/{request.match_info['id']}/verification", body)
    except ApiRefusedError as refused:
        if refused.status not in (400, 403, 404, 409):
            raise
        await visit.flash(refused.message, kind="error")
        return see_other(BACK)
    if decision == "verified":
        await visit.flash(
            f"Le rattachement de {name} est confirmé : la personne peut solliciter des "
            "ambassadeurs dès maintenant, et en est informée par e-mail."
        )
    else:
        await visit.flash(f"Le rattachement de {name} est refusé ; le motif lui est envoyé.")
    return see_other(BACK)
