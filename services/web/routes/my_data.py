"""« Mes données »: download them, restrict their use, object; and « Supprimer mon compte »."""

from __future__ import annotations

import json
from datetime import datetime

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiUnavailableError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.rendering import VISIT, render, see_other
from services.web.routes.profile import me_of
from shared.french import PARIS


def add_my_data_routes(router: web.UrlDispatcher) -> None:
    """The rights over one's data, and the deletion of the account."""
    router.add_get("/mon-profil/donnees", data_page)
    router.add_get("/mon-profil/donnees/export", export)
    router.add_post("/mon-profil/donnees/limitation", restrict)
    add_form_page(router, "/mon-profil/supprimer", deletion_page, delete)


@requires()
async def data_page(request: web.Request) -> web.Response:
    """What the person can do with their data, and the state of a restriction."""
    me = await me_of(request)
    return await render(request, "profile/data.html", {"me": me})


@requires()
async def export(request: web.Request) -> web.StreamResponse:
    """Everything every service holds about the person, as one JSON file."""
    try:
        document = await api_of(request).get("/accounts/me/export")
    except ApiUnavailableError:
        await request[VISIT].flash(
            "Un service n'a pas répondu à temps : votre export n'est pas encore complet. "
            "Réessayez dans une minute.",
            "error",
        )
        return see_other("/mon-profil/donnees")
    day = datetime.now(PARIS).date().isoformat()
    return web.Response(
        body=json.dumps(document, ensure_ascii=False, indent=2).encode(),
        content_type="application/json",
        charset="utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="mes-donnees-prochorientation-{day}.json"'
        },
    )


@requires()
async def restrict(request: web.Request) -> web.StreamResponse:
    """Restrict the use of one's data (RGPD art. 18), or lift the restriction."""
    form = Form.of(await request.post())
    api = api_of(request)
    visit = request[VISIT]
    if form.text("action") == "lever":
        await api.call("DELETE", "/accounts/me/restriction")
        await visit.flash("La limitation est levée : vos données sont de nouveau utilisées.")
    else:
        await api.post("/accounts/me/restriction")
        await visit.flash(
            "C'est noté : vos données sont conservées mais ne sont plus utilisées tant que "
            "vous ne levez pas la limitation."
        )
    return see_other("/mon-profil/donnees")


@requires()
async def deletion_page(request: web.Request) -> web.Response:
    """What deleting the account erases, and the confirmation asked."""
    return await render(request, "profile/delete.html")


@requires()
async def delete(request: web.Request) -> web.StreamResponse:
    """Erase the account everywhere, then end the session."""
    form = Form.of(await request.post())
    if not form.checked("confirm"):
        form.fail(
            "confirm",
            "Cochez la case pour confirmer que vous voulez supprimer votre compte.",
        )
        return await render(request, "profile/delete.html", {"errors": form.errors}, status=422)
    await api_of(request).call("DELETE", "/accounts/me")
    visit = request[VISIT]
    await visit.sign_out()
    await visit.flash(
        "Votre compte a été supprimé, ainsi que vos données dans tous les services. "
        "Un e-mail vous le confirme. Merci pour votre engagement."
    )
    return see_other("/")
