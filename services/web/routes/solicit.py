"""« Solliciter »: the visit brief for one ambassador, « Vérifiez votre demande », and
the confirmation once the request is sent.

The brief travels in the form itself from one page to the next (hidden fields on the
check page), so nothing is kept on the server before it is sent, and « Modifier »
shows the form again as it was typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires, user_of
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.domain.labels import FORMATS, INTERVENTIONS
from services.web.domain.solicitation import (
    CLASS_PRESENTATION_MAX_MINUTES,
    FIELDS,
    check_rows,
    field_of_refusal,
    read_brief,
)
from services.web.rendering import render, see_other
from services.web.routes.establishments import establishment_of
from shared.french import PARIS

REQUESTER_ROLES = ("staff", "referent")
CHECK, CHANGE, SEND = "verifier", "modifier", "envoyer"


def add_solicit_routes(router: web.UrlDispatcher) -> None:
    """The pages of a request to an ambassador."""
    add_form_page(router, "/ambassadeurs/{id}/solliciter", form_page, submit)
    router.add_get("/agenda/rendez-vous/{id}/envoyee", sent_page)


async def _ambassador(request: web.Request) -> dict[str, Any]:
    """The ambassador of the address (their public fields), or the 404 page."""
    found: dict[str, Any] = await api_of(request).shown(
        f"/accounts/ambassadors/{request.match_info['id']}"
    )
    return found


def _kinds(ambassador: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """The kinds of intervention this ambassador accepts, as radio buttons."""
    hint = f"{CLASS_PRESENTATION_MAX_MINUTES} minutes au plus."
    return [
        (kind, INTERVENTIONS.get(kind, kind), hint if kind == "class_presentation" else None)
        for kind in ambassador["interventions"]
    ]


async def _show_form(
    request: web.Request,
    ambassador: dict[str, Any],
    form: Form | None = None,
    *,
    problem: str | None = None,
    status: int = 200,
) -> web.Response:
    values: dict[str, Any] = dict(form.values) if form else {}
    if not values:
        kinds = ambassador["interventions"]
        values = {"format": "in_person", "type": kinds[0] if len(kinds) == 1 else ""}
    errors = {name: form.errors[name] for name in FIELDS if form and name in form.errors}
    return await render(
        request,
        "agenda/solicit.html",
        {
            "ambassador": ambassador,
            "kinds": _kinds(ambassador),
            "formats": [(value, label, None) for value, label in FORMATS.items()],
            "values": values,
            "errors": errors,
            "problem": problem,
            "asks_establishment": user_of(request).role == "referent",
            "today": datetime.now(PARIS).date().isoformat(),
        },
        status=status,
    )


@requires(*REQUESTER_ROLES)
async def form_page(request: web.Request) -> web.Response:
    """The brief, empty (or as it was typed, after « Modifier »)."""
    return await _show_form(request, await _ambassador(request))


@requires(*REQUESTER_ROLES)
async def submit(request: web.Request) -> web.StreamResponse:
    """« Continuer » (check the brief), « Modifier » (back to it), « Envoyer la demande »."""
    ambassador = await _ambassador(request)
    form = Form.of(await request.post())
    action = form.text("action")
    form.values.pop("action", None)
    if action == CHANGE:
        return await _show_form(request, ambassador, form)
    role = user_of(request).role
    brief = read_brief(
        form,
        ambassador_id=ambassador["id"],
        kinds=ambassador["interventions"],
        today=datetime.now(PARIS).date(),
        asks_establishment=role == "referent",
    )
    if brief.request is None:
        return await _show_form(request, ambassador, form, status=422)
    api = api_of(request)
    establishment = await establishment_of(api, role, form)
    if establishment is None:
        return await _show_form(request, ambassador, form, status=422)
    body = {**brief.request, "establishment": establishment}
    if ambassador.get("sector"):
        body["sector"] = ambassador["sector"]  # for replacements if it goes unanswered
    if action != SEND:
        return await render(
            request,
            "agenda/solicit_check.html",
            {
                "ambassador": ambassador,
                "rows": check_rows(body, establishment),
                "hidden": {name: form.values[name] for name in FIELDS if name in form.values},
            },
        )
    try:
        created = await api.post("/agenda/solicitations", body)
    except ApiRefusedError as refused:
        if refused.status not in (400, 409, 422):
            raise
        placed = field_of_refusal(refused.code, refused.field_messages())
        for name, message in placed.items():
            form.fail(name, message or refused.message)
        return await _show_form(
            request,
            ambassador,
            form,
            problem=None if placed else refused.message,
            status=422,
        )
    return see_other(f"/agenda/rendez-vous/{created['id']}/envoyee")


@requires(*REQUESTER_ROLES)
async def sent_page(request: web.Request) -> web.Response:
    """« Demande envoyée »: what happens next."""
    try:
        appointment = await api_of(request).get(f"/agenda/appointments/{request.match_info['id']}")
    except ApiRefusedError as refused:
        if refused.status in (400, 403, 404):
            raise web.HTTPNotFound() from refused
        raise
    return await render(
        request,
        "agenda/solicit_sent.html",
        {"appointment": appointment, "kinds": INTERVENTIONS},
    )
