"""Pages anyone can read: home, charter, questions, site map, legal pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from services.web.context import api_of
from services.web.domain.site_map import site_map_for
from services.web.rendering import VISIT, render


def add_public_routes(router: web.UrlDispatcher) -> None:
    """Home, charter, questions, site map and the legal pages."""
    router.add_get("/", home)
    router.add_get("/charte", charter)
    router.add_get("/plan-du-site", site_map)
    for path, template in _STATIC_PAGES.items():
        router.add_get(path, _static_page(template))


_STATIC_PAGES = {
    "/questions": "public/questions.html",
    "/mentions-legales": "public/legal_notice.html",
    "/donnees-personnelles": "public/personal_data.html",
    "/accessibilite": "public/accessibility.html",
    "/preparer-mon-intervention": "public/preparing.html",
}


async def home(request: web.Request) -> web.Response:
    """What the programme is, and the way in for ambassadors and educational teams."""
    return await render(request, "public/home.html")


async def charter(request: web.Request) -> web.Response:
    """The charter in force, as ambassadors accept it when they join."""
    charter = await api_of(request).get("/accounts/charter")
    return await render(request, "public/charter.html", {"charter": charter})


async def site_map(request: web.Request) -> web.Response:
    """« Plan du site »: every page the visitor's role opens, grouped as in the menu."""
    user = request[VISIT].user
    sections = site_map_for(user.role if user else None)
    return await render(request, "public/site_map.html", {"sections": sections})


def _static_page(template: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        return await render(request, template)

    return page
