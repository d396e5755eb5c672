"""The steps of « Nous rejoindre » as an ambassador fills them in, for the tests that join."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.web.browser import Looker
from tests.web.people import link_from_mail
from tests.web.site import RunningSite

EMAIL = "elodie.martin@example.org"


async def continue_step(page: Page) -> None:
    await page.get_by_role("button", name="Continuer").click()


async def join_as_professional(page: Page, looker: Looker, *, email: str = EMAIL) -> None:
    """From « Nous rejoindre » to « Vérifiez vos réponses », looking at every page."""
    await page.goto("/")
    await page.get_by_role("link", name="Devenir ambassadeur").first.click()
    await expect(page).to_have_url(re.compile(r"/nous-rejoindre$"))
    await looker.look(page, "nous-rejoindre")
    await page.get_by_label("Ambassadeur ou ambassadrice").check()
    await continue_step(page)

    await expect(page).to_have_url(re.compile(r"/nous-rejoindre/ambassadeur/profil$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text("Quel est votre profil ?")
    await looker.look(page, "profil")
    await page.get_by_label("Ambassadeur des métiers").check()
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text("Vos informations personnelles")
    await looker.look(page, "informations")
    await page.get_by_label("Prénom").fill("Élodie")
    await page.get_by_label("Nom", exact=True).fill("Martin")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Numéro de téléphone").fill("06 12 34 56 78")
    await page.get_by_label("Code postal").fill("59000")
    await page.get_by_label("Commune").fill("Lille")
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text("Votre métier")
    # The job titles are suggested from the catalogue, in the page itself (no script).
    assert await page.locator("datalist#job-titles option").count() > 100
    await looker.look(page, "metier")
    await page.get_by_label("Secteur de votre métier").select_option(
        label="Bâtiment et travaux publics"
    )
    await page.get_by_label("Intitulé de votre métier").fill("Électricienne")
    await page.get_by_label("Salarié ou salariée").check()
    await page.get_by_label("Votre employeur ou votre entreprise").fill("Watt & Fils")
    await page.get_by_label("Mon employeur est d'accord").check()
    await page.get_by_label("Votre parcours").fill("CAP électricien, puis dix ans de chantiers.")
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Quelles interventions acceptez-vous ?"
    )
    await looker.look(page, "interventions")
    await page.get_by_label("Présentation en classe").check()
    await page.get_by_label("Visite d'entreprise").check()
    await page.get_by_label("J'accepte aussi d'intervenir à distance").check()
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text("Votre zone d'intervention")
    await looker.look(page, "zone")
    await page.get_by_label("Pas-de-Calais (62)").check()
    await page.get_by_label("Lille Centre").check()
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vos consentements et la charte"
    )
    await expect(page.get_by_text("Version en vigueur : 2026-09")).to_be_visible()
    await expect(page.get_by_role("link", name="Lire la charte sur sa page")).to_have_attribute(
        "href", "/charte"
    )
    await looker.look(page, "engagements")
    await page.get_by_label("J'accepte d'être photographié").check()
    await page.get_by_label("J'ai lu la charte de l'ambassadeur (version 2026-09)").check()
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos réponses")


async def send_and_expect_mail(page: Page, looker: Looker, site: RunningSite, email: str) -> None:
    """Send the checked answers; the page says to look in the mailbox, the email is there."""
    await page.get_by_role("button", name="Envoyer mon inscription").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    await expect(page.get_by_text(email)).to_be_visible()
    await expect(page.get_by_text("Le lien est valable 12 heures.")).to_be_visible()
    await expect(page.get_by_text("courriers indésirables (spam)")).to_be_visible()
    await looker.look(page, "verifiez-votre-messagerie")
    link = await link_from_mail(site, email, "/activer")
    assert link.startswith(f"{site.base_url}/activer?token=")
