"""The pages anyone can read open, in French, accessible, at both widths."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.web.browser import Looker
from tests.web.people import sign_in_as
from tests.web.site import RunningSite

PUBLIC_PAGES = [
    ("/", "Des professionnels et des jeunes en formation présentent leur métier aux élèves"),
    ("/charte", "Charte de l'ambassadeur Proch'Orientation"),
    ("/questions", "Questions fréquentes"),
    ("/mentions-legales", "Mentions légales"),
    ("/donnees-personnelles", "Données personnelles"),
    ("/accessibilite", "Déclaration d'accessibilité"),
    ("/preparer-mon-intervention", "Préparer mon intervention"),
]


@pytest.mark.parametrize(("path", "heading"), PUBLIC_PAGES)
async def test_public_page_reads_in_french_with_one_heading(
    page: Page, site: RunningSite, looker: Looker, path: str, heading: str
) -> None:
    response = await page.goto(path)
    assert response is not None
    assert response.status == 200
    assert await page.locator("html").get_attribute("lang") == "fr"
    await expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    await expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    footer = page.get_by_role("contentinfo")
    await expect(footer.get_by_role("link", name="Données personnelles")).to_be_visible()
    await looker.look(page, path.strip("/") or "accueil")


async def test_preparing_the_visit_prints_without_the_site_around_it(page: Page) -> None:
    await page.goto("/preparer-mon-intervention")
    printing = page.get_by_role("button", name="Imprimer cette page")
    await expect(printing).to_be_visible()
    await page.emulate_media(media="print")
    await expect(printing).to_be_hidden()
    await expect(page.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    await expect(page.get_by_role("heading", name="Les questions à préparer")).to_be_visible()


async def test_home_page_leads_signed_in_people_to_their_own_pages(
    page: Page, looker: Looker
) -> None:
    """Signed in, nobody is asked to sign up or sign in again."""
    await sign_in_as(page, "ambassador")
    await page.goto("/")
    for offer in ("Devenir ambassadeur", "Connectez-vous", "Solliciter un ambassadeur"):
        await expect(page.get_by_role("link", name=offer)).to_have_count(0)
    await looker.look(page, "accueil-ambassadeur")
    await page.get_by_role("link", name="Voir mon agenda").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Agenda")
    await page.goto("/nous-rejoindre")
    await expect(page.get_by_text("Vous êtes connecté avec l'adresse")).to_be_visible()
    await expect(page.get_by_role("link", name="Connectez-vous")).to_have_count(0)

    await page.context.clear_cookies()
    await sign_in_as(page, "staff")
    await page.goto("/")
    await expect(page.get_by_role("link", name="Devenir ambassadeur")).to_have_count(0)
    await page.get_by_role("link", name="Solliciter un ambassadeur").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Trouver un ambassadeur")
