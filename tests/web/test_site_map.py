"""« Plan du site », the second way to find a page beside the menu (RGAA 12.1): reached
from every page's footer, it lists what the visitor's role opens, every link of it
opens for them, and nothing of another role's is on it."""

from __future__ import annotations

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from services.web.access import PageHandler, audience_of
from services.web.domain.menu import menu_for
from services.web.domain.site_map import ANYONE, SECTIONS, SIGNED_IN, SIGNED_OUT
from services.web.routes import add_site_routes
from tests.web.api_people import Api
from tests.web.browser import Looker
from tests.web.people import PASSWORD, sign_in, sign_in_as

PARTNER = "contact.plan@example.org"

# A page each role must find on its map, and one it must not.
FOUND_AND_NOT = {
    None: ("Se connecter", "Mon profil"),
    "ambassador": ("Mon calendrier personnel", "Trouver un ambassadeur"),
    "staff": ("Changer d'établissement", "File de travail"),
    "referent": ("Ambassadeurs du territoire", "Administration"),
    "partner": ("Mon organisation", "Messagerie"),
    "admin": ("Suppressions de comptes", "Se connecter"),
}


async def _links_of_the_map(page: Page) -> list[tuple[str, str]]:
    links = page.get_by_role("main").get_by_role("link")
    return [
        ((await link.inner_text()).strip(), str(await link.get_attribute("href")))
        for link in await links.all()
    ]


@pytest.mark.parametrize("role", list(FOUND_AND_NOT), ids=lambda role: role or "signed_out")
async def test_the_site_map_lists_what_the_role_opens_and_every_link_opens(
    page: Page, api: Api, looker: Looker, role: str | None
) -> None:
    if role == "partner":
        await api.partner_contact(PARTNER)
        await sign_in(page, PARTNER, PASSWORD)
    elif role is not None:
        await sign_in_as(page, role)
    await page.goto("/")
    await page.get_by_role("contentinfo").get_by_role("link", name="Plan du site").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Plan du site")
    await looker.look(page, f"plan-du-site-{role or 'visiteur'}")

    links = await _links_of_the_map(page)
    names = {name for name, _ in links}
    found, not_found = FOUND_AND_NOT[role]
    assert found in names
    assert not_found not in names
    # Everything the menu offers is on the map too.
    paths = {path for _, path in links}
    assert {item.path for item in menu_for(role)} <= paths

    # Each link opens a page for this person: no sign-in asked, no « not yours », no 404.
    for name, path in links:
        answer = await page.request.get(path, max_redirects=0)
        assert answer.status == 200, f"« {name} » ({path}) answered {answer.status}"


def _page_handlers() -> dict[str, PageHandler]:
    """The handler of each page (GET) of the site, by its address."""
    router = web.UrlDispatcher()
    add_site_routes(router)
    return {
        resource.canonical: route.handler
        for resource in router.resources()
        for route in resource
        if route.method == "GET"
    }


def test_the_map_lists_each_page_for_exactly_the_people_its_guard_lets_in() -> None:
    # The browser test opens each role's links; this one also catches the reverse: a page
    # opened to more people than the map tells (a role would not find it on its map).
    handlers = _page_handlers()
    for page in (page for section in SECTIONS for page in section.pages):
        assert page.path in handlers, f"« {page.label} »: no page at {page.path}"
        guard = audience_of(handlers[page.path])
        if guard is None:
            assert page.audience in ((ANYONE,), (SIGNED_OUT,)), f"{page.path} has no guard"
        elif not guard:
            assert page.audience == (SIGNED_IN,), f"{page.path} opens to anyone signed in"
        else:
            assert set(page.audience) == set(guard), f"{page.path} opens to {guard}"
