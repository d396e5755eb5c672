"""An ambassador's engagement: pauses, the monthly maximum, the criminal-record extract."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.availability import pause_days, pause_moments
from services.web.domain.forms import Form
from services.web.domain.labels import RECORD_STATES
from services.web.rendering import VISIT, render, see_other
from services.web.routes.profile import me_of

# What the browser may send with the extract: 5 MB of PDF (accounts' limit).
RECORD_MAX_BYTES = 5 * 1024 * 1024


def add_engagement_routes(router: web.UrlDispatcher) -> None:
    """Availability and the criminal-record extract."""
    add_form_page(router, "/mon-profil/disponibilites", availability_page, change_availability)
    add_form_page(router, "/mon-profil/casier", record_page, send_record)


# --- availability --------------------------------------------------------------------


@requires("ambassador")
async def availability_page(request: web.Request) -> web.Response:
    """A pause (holidays, a busy season) and at most so many solicitations a month."""
    me = await me_of(request)
    availability = me["ambassador"]["availability"]
    pause = pause_days(availability)
    values = {
        "pause_from": pause[0].isoformat() if pause else "",
        "pause_to": pause[1].isoformat() if pause else "",
        "max_per_month": availability.get("max_solicitations_per_month") or "",
    }
    return await render(request, "profile/availability.html", {"values": values})


@requires("ambassador")
async def change_availability(request: web.Request) -> web.StreamResponse:
    """A pause runs from the first day's midnight to the end of the last day, in Paris."""
    form = Form.of(await request.post())
    if form.text("action") == "reprendre":
        form.values.pop("pause_from", None)
        form.values.pop("pause_to", None)
    first = form.day("pause_from", "", required=False)
    last = form.day("pause_to", "", required=False)
    if first and not last:
        form.fail("pause_to", "Indiquez le dernier jour de votre pause.")
    if last and not first:
        form.fail("pause_from", "Indiquez le premier jour de votre pause.")
    if first and last and last < first:
        form.fail("pause_to", "Indiquez un dernier jour après le premier jour de la pause.")
    most = form.number("max_per_month", "", low=1, high=31, required=False)
    if form.ok:
        start, end = pause_moments(first, last) if first and last else (None, None)
        availability: dict[str, Any] = {
            "pause_from": start,
            "pause_to": end,
            "max_solicitations_per_month": most,
        }
        try:
            await api_of(request).call("PATCH", "/accounts/me", json={"availability": availability})
        except ApiRefusedError as refused:
            form.fail("pause_from", refused.message)
        else:
            await request[VISIT].flash("Vos disponibilités ont été enregistrées.")
            return see_other("/mon-profil")
    return await render(
        request,
        "profile/availability.html",
        {"values": form.values, "errors": form.errors},
        status=422,
    )


# --- the criminal-record extract -------------------------------------------------------


@requires("ambassador")
async def record_page(request: web.Request) -> web.Response:
    """Where the check stands, and the form to send an extract."""
    me = await me_of(request)
    return await render(
        request,
        "profile/record.html",
        {"record": me["ambassador"]["record"], "record_states": RECORD_STATES},
    )


@requires("ambassador")
async def send_record(request: web.Request) -> web.StreamResponse:
    """Pass the PDF on to accounts, where a referent of the zone will check it."""
    upload = await _uploaded(request)
    errors: dict[str, str] = {}
    if isinstance(upload, str):
        errors["document"] = upload
    else:
        name, content = upload
        data = aiohttp.FormData()
        data.add_field("document", content, filename=name, content_type="application/pdf")
        try:
            await api_of(request).call("POST", "/accounts/me/criminal-record", data=data)
        except ApiRefusedError as refused:
            errors["document"] = refused.message
        else:
            await request[VISIT].flash(
                "Votre extrait a bien été envoyé. Votre référent territorial le vérifie : "
                "vous recevrez un e-mail dès qu'il l'aura fait."
            )
            return see_other("/mon-profil#casier")
    me = await me_of(request)
    return await render(
        request,
        "profile/record.html",
        {"record": me["ambassador"]["record"], "record_states": RECORD_STATES, "errors": errors},
        status=422,
    )


async def _uploaded(request: web.Request) -> tuple[str, bytes] | str:
    """The file sent in the ``document`` field, or what to say about it.

    The form was read whole already (its token is checked first), within the site's
    body limit.
    """
    field = (await request.post()).get("document")
    if not isinstance(field, web.FileField) or not field.filename:
        return "Choisissez le fichier PDF de votre extrait."
    content = field.file.read(RECORD_MAX_BYTES + 1)
    if not content:
        return "Le fichier choisi est vide : choisissez le PDF de votre extrait."
    if len(content) > RECORD_MAX_BYTES:
        return "Le fichier dépasse 5 Mo : enregistrez-le en PDF plus léger, puis réessayez."
    return field.filename, content
