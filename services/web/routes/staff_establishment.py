"""« Changer d'établissement » for a member of an educational team who moves (a
teacher's transfer at the start of a school year), or who chose the wrong one.

As at sign-up, the attachment to the new establishment is proved again: an academic
address proves it at once, otherwise the referent of its zone confirms it. Accounts
then revokes the person's access tokens, which carried the old establishment; the site
takes a new one at once rather than wait for the revocation to reach every service.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.rendering import VISIT, render, see_other
from services.web.routes.establishments import establishment_options, find_establishments
from services.web.routes.profile import me_of

ESTABLISHMENT = "/mon-profil/etablissement"
_KEPT = ("uai", "name", "city", "postcode")


def add_staff_establishment_routes(router: web.UrlDispatcher) -> None:
    """The team member's page to change establishment."""
    add_form_page(router, ESTABLISHMENT, establishment_page, change_establishment)


@requires("staff")
async def establishment_page(request: web.Request) -> web.Response:
    """The establishment kept, and a search for the new one."""
    return await _page(request, Form.of(request.query))


async def _page(
    request: web.Request,
    form: Form,
    current: dict[str, Any] | None = None,
    status: int = 200,
) -> web.Response:
    """The page, with what was searched and each problem; ``current``, the establishment
    kept, when the caller has read it already."""
    if current is None:
        current = await _current(request)
    query = form.text("q").strip()
    found: list[dict[str, Any]] | None = None
    if "q" in form.values:
        if query:
            found = await find_establishments(api_of(request), query)
        else:
            form.fail("q", "Indiquez le nom, la commune ou le code UAI de votre établissement.")
            status = 422
    return await render(
        request,
        "profile/establishment.html",
        {
            "current": current,
            "query": query,
            "results": found,
            "options": establishment_options(found or []),
            "values": form.values,
            "errors": form.errors,
        },
        status=status,
    )


async def _current(request: web.Request) -> dict[str, Any]:
    current: dict[str, Any] = (await me_of(request))["staff"]["establishment"]
    return current


@requires("staff")
async def change_establishment(request: web.Request) -> web.StreamResponse:
    """Move to the establishment chosen; the banner says how the move is proved."""
    form = Form.of(await request.post())
    uai = form.text("uai")
    current = await _current(request)
    if not uai:
        form.fail("uai", "Choisissez votre nouvel établissement dans la liste.")
        return await _page(request, form, current, status=422)
    if uai == current["uai"]:
        await request[VISIT].flash(f"{current['name']} est déjà votre établissement.")
        return see_other("/mon-profil")
    api = api_of(request)
    try:
        chosen = await api.get(f"/accounts/establishments/{quote(uai, safe='')}")
        establishment = {key: chosen[key] for key in _KEPT}
        answer = await api.call("PATCH", "/accounts/me", json={"establishment": establishment})
    except ApiRefusedError as refused:
        if refused.status not in (400, 404, 422):
            raise
        form.fail("uai", "Ce code UAI ne correspond à aucun établissement des Hauts-de-France.")
        return await _page(request, form, current, status=422)
    await api.renew_access()
    staff = answer.body["staff"]
    place = f"{staff['establishment']['name']} ({staff['establishment']['city']})"
    await request[VISIT].flash(
        f"Vous êtes rattaché à {place} : votre adresse académique le confirme."
        if staff["verification"]["status"] == "verified"
        else f"Votre rattachement à {place} attend la confirmation du référent territorial "
        "de sa zone ; vous recevrez un e-mail dès sa décision."
    )
    return see_other("/mon-profil")
