"""Signing in and out: the form, its errors, the way back to the page asked for."""

from __future__ import annotations

import aiohttp
from playwright.async_api import Browser, Page, expect

from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, sign_in
from tests.web.site import RunningSite


async def test_wrong_password_is_said_next_to_the_field_and_in_the_summary(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email, _ = DEMO["ambassador"]
    await page.goto("/connexion")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe", exact=True).fill("pas-le-bon-mot-de-passe")
    await page.get_by_role("button", name="Se connecter").click()

    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("L'adresse e-mail ou le mot de passe est incorrect")
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Mot de passe", exact=True)).to_be_focused()
    await expect(page.get_by_label("Adresse e-mail")).to_have_value(email)
    assert (await page.title()).startswith("Erreur : ")
    await looker.look(page, "connexion-erreur")


async def test_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_page(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await page.goto("/mon-profil/donnees")
    await expect(page).to_have_url(site.url("/connexion?suite=%2Fmon-profil%2Fdonnees"))
    await looker.look(page, "connexion")
    email, password = DEMO["staff"]
    await sign_in(page, email, password)
    await expect(page).to_have_url(site.url("/mon-profil/donnees"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")


async def test_each_role_lands_on_its_start_page_and_sees_its_menu(
    browser: Browser, site: RunningSite
) -> None:
    expected = {
        "ambassador": ("/agenda", "Préparer mon intervention"),
        "staff": ("/agenda", "Trouver un ambassadeur"),
        "referent": ("/referents/file-de-travail", "File de travail"),
        "admin": ("/admin", "Administration"),
    }
    for role, (start, entry) in expected.items():
        context = await new_context(browser, site)
        page = await context.new_page()
        await sign_in(page, *DEMO[role])
        assert page.url.split("?")[0] == site.url(start)
        menu = page.get_by_role("navigation", name="Menu principal")
        await expect(menu.get_by_role("link", name=entry)).to_be_visible()
        await expect(menu.get_by_role("link", name="Se connecter")).to_have_count(0)
        await context.close()


async def test_a_sign_in_page_link_to_another_site_is_not_followed(
    page: Page, site: RunningSite
) -> None:
    await page.goto("/connexion?suite=%2F%2Fexemple.org%2Fpiege")
    await sign_in(page, *DEMO["ambassador"])
    assert page.url.startswith(site.base_url)


async def test_signing_out_ends_the_session_at_accounts_too(page: Page, site: RunningSite) -> None:
    await sign_in(page, *DEMO["ambassador"])
    store = site.platform.mongo[f"{site.settings.database_prefix}web"]["sessions"]
    row = await store.find_one({"user": {"$ne": None}})
    assert row is not None
    await page.goto("/mon-profil")
    await page.get_by_role("button", name="Se déconnecter").click()
    await expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()
    await page.goto("/mon-profil")
    await expect(page).to_have_url(site.url("/connexion?suite=%2Fmon-profil"))
    assert await store.count_documents({"user": {"$ne": None}}) == 0
    async with aiohttp.ClientSession() as http:
        refreshed = await http.post(
            site.url("/api/accounts/sessions/refresh"),
            json={"refresh_token": row["tokens"]["refresh"]},
        )
        assert refreshed.status == 401
