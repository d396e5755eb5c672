"""« Trouver un ambassadeur »: the directory's search and an ambassador's public page.

Only public fields come from accounts' directory (never an email nor a phone);
referents and administrators also see whether the ambassador can be solicited.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.web.access import requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.audiences import DIRECTORY_ROLES
from services.web.domain.directory import directory_search
from services.web.domain.labels import INTERVENTIONS, PROFILES, RECORD_STATES
from services.web.rendering import render, see_other

PAGE_SIZE = 20


def add_directory_routes(router: web.UrlDispatcher) -> None:
    """The directory's pages."""
    router.add_get("/ambassadeurs", search_page)
    router.add_get("/ambassadeurs/{id}", ambassador_page)


async def _places(request: web.Request) -> dict[str, Any]:
    """Sectors, departments and bassins, as the lists of the form and the cards show them."""
    api = api_of(request)
    territory = await api.get("/accounts/territory")
    sectors = await api.get("/accounts/sectors")
    return {
        "sectors": {row["slug"]: row["name"] for row in sectors},
        "departments": {row["code"]: row["name"] for row in territory["departments"]},
        "bassins": {row["code"]: row["name"] for row in territory["bassins"]},
        "interventions": INTERVENTIONS,
        "profiles": PROFILES,
    }


@requires(*DIRECTORY_ROLES)
async def search_page(request: web.Request) -> web.StreamResponse:
    """The search form (a GET: the results can be bookmarked) and the result cards."""
    places = await _places(request)
    search = directory_search(
        request.query,
        sectors=places["sectors"],
        departments=places["departments"],
        bassins=places["bassins"],
    )
    found: dict[str, Any] = {"items": [], "next_cursor": None}
    if not search.errors:
        try:
            found = await api_of(request).get(
                "/accounts/ambassadors", params={**search.params, "limit": PAGE_SIZE}
            )
        except ApiRefusedError as refused:
            if refused.status != 400 or "cursor" not in search.params:
                raise
            # A stale or edited « curseur »: the first page of the same search.
            return see_other(search.page())
    return await render(
        request,
        "directory/search.html",
        {
            **places,
            "search": search,
            "values": search.values,
            "errors": search.errors,
            "ambassadors": found["items"],
            "next_page": search.page(found["next_cursor"]) if found["next_cursor"] else None,
            "first_page": search.page() if "cursor" in search.params else None,
        },
    )


@requires(*DIRECTORY_ROLES)
async def ambassador_page(request: web.Request) -> web.Response:
    """An ambassador's public page."""
    try:
        ambassador = await api_of(request).get(f"/accounts/ambassadors/{request.match_info['id']}")
    except ApiRefusedError as refused:
        if refused.status in (400, 404):
            raise web.HTTPNotFound() from refused
        if refused.status == 403:
            raise web.HTTPForbidden() from refused
        raise
    places = await _places(request)
    return await render(
        request,
        "directory/ambassador.html",
        {**places, "ambassador": ambassador, "record_states": RECORD_STATES},
    )
