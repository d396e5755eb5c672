"""« Mon employeur partenaire »: an ambassador whose employer signed the partnership
charter attaches themselves to it, so that the interventions they hold count in its
report and its skills-sponsorship attestation; or detaches themselves when they leave.

The accounts API keeps the link and names the employer; the organisation's contact
sees the interventions held while the link lasts (each appointment keeps the
organisation of its day), never the ambassador's contact details.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.rendering import VISIT, render, see_other
from services.web.routes.profile import me_of

EMPLOYER = "/mon-profil/employeur"
FOUND_SHOWN = 20


def add_employer_routes(router: web.UrlDispatcher) -> None:
    """The ambassador's page on their employer."""
    add_form_page(router, EMPLOYER, employer_page, choose_employer)


@requires("ambassador")
async def employer_page(request: web.Request) -> web.Response:
    """The employer kept, and a search of the partner organisations by name."""
    ambassador = (await me_of(request))["ambassador"]
    form = Form.of(request.query)
    search = form.optional("q", max_length=100)
    found: list[dict[str, Any]] = []
    if search and form.ok:
        try:
            page = await api_of(request).get(
                "/accounts/organizations", params={"q": search, "limit": FOUND_SHOWN}
            )
        except ApiRefusedError as refused:
            if refused.status != 400:
                raise
            form.fail("q", "Indiquez le début du nom de votre employeur.")
        else:
            found = page["items"]
    return await render(
        request,
        "profile/employer.html",
        {
            "employer_id": ambassador.get("organization_id"),
            "employer_name": ambassador.get("organization_name"),
            "found": found,
            "searched": bool(search) and form.ok,
            "values": form.values,
            "errors": form.errors,
        },
        status=200 if form.ok else 422,
    )


@requires("ambassador")
async def choose_employer(request: web.Request) -> web.StreamResponse:
    """Attach the ambassador to the organisation chosen, or detach them (none chosen)."""
    form = Form.of(await request.post())
    chosen = form.text("organisation") or None
    visit = request[VISIT]
    try:
        answer = await api_of(request).call(
            "PATCH", "/accounts/me", json={"organization_id": chosen}
        )
    except ApiRefusedError as refused:
        if refused.status not in (400, 422):
            raise
        await visit.flash(
            "Cette organisation n'est plus partenaire du programme : cherchez-la de nouveau."
            if refused.code == "unknown_organization"
            else refused.message,
            kind="error",
        )
        return see_other(EMPLOYER)
    name = answer.body["ambassador"]["organization_name"]
    await visit.flash(
        f"Votre employeur est désormais « {name} » : les interventions que vous réaliserez "
        "compteront dans son bilan de mécénat de compétences."
        if chosen
        else "Vous n'êtes plus rattaché à un employeur partenaire : vos prochaines "
        "interventions ne compteront plus dans son bilan."
    )
    return see_other("/mon-profil")
