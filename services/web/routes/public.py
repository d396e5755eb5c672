"""Pages anyone can read: home, charter, questions, partnership, legal pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from services.web.context import api_of
from services.web.rendering import render


def add_public_routes(router: web.UrlDispatcher) -> None:
    """Home, charter, questions, partnership and the legal pages."""
    router.add_get("/", home)
    router.add_get("/charte", charter)
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


def _static_page(template: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def page(request: web.Request) -> web.Response:
        return await render(request, template)

    return page
