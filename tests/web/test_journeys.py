"""An ambassador's whole life on the site, in one browser, with and without JavaScript:
joining through the form, the emailed link, the profile, the extract, the data, a new
email address, a lost password whose first link expired, and the deletion."""

from __future__ import annotations

import json

import pytest
from playwright.async_api import Browser, FilePayload, Page, expect

from tests.accounts.conftest import MINIMAL_PDF
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.joining_steps import join_as_professional, send_and_expect_mail
from tests.web.people import can_sign_in, expire_links, link_from_mail, sign_in
from tests.web.site import RunningSite

PASSWORD = "Une éolienne sur la côte d'Opale"
NEW_PASSWORD = "Le vent du nord sur la digue"


@pytest.mark.parametrize("javascript", [True, False], ids=["avec-js", "sans-js"])
async def test_an_ambassador_joins_lives_on_the_site_and_leaves(
    browser: Browser, site: RunningSite, looker: Looker, javascript: bool
) -> None:
    email = f"journee-{'js' if javascript else 'sans-js'}@example.org"
    new_email = f"nouvelle-{'js' if javascript else 'sans-js'}@example.org"
    context = await new_context(browser, site, javascript=javascript)
    page = await context.new_page()
    try:
        await join_as_professional(page, looker, email=email)
        await send_and_expect_mail(page, looker, site, email)

        await page.goto(await link_from_mail(site, email, "/activer"))
        await page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
        await page.get_by_role("button", name="Activer mon compte").click()
        await expect(page).to_have_url(site.url("/agenda"))
        await expect(page.get_by_text("Connecté : Élodie Martin")).to_be_visible()
        await looker.look(page, "agenda-premiere-visite")

        await edit_profile(page, looker)
        await send_extract(page, looker)
        await download_data(page, email)
        await change_email(page, site, looker, new_email)
        await lose_password(page, site, looker, new_email)
        await delete_account(page, site, looker, new_email)
    finally:
        await context.close()


async def edit_profile(page: Page, looker: Looker) -> None:
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Mon profil")
        .click()
    )
    await looker.look(page, "mon-profil")
    await page.get_by_role("link", name="Mise à jour de mes informations").click()
    await page.get_by_label("Commune").fill("Lille-Hellemmes")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Vos informations ont été mises à jour.")).to_be_visible()
    await expect(page.get_by_text("59000 Lille-Hellemmes")).to_be_visible()


async def send_extract(page: Page, looker: Looker) -> None:
    await page.get_by_role("link", name="Envoyer mon extrait").click()
    await page.get_by_label("Fichier PDF de l'extrait").set_input_files(
        files=FilePayload(name="casier.pdf", mimeType="application/pdf", buffer=MINIMAL_PDF)
    )
    await page.get_by_role("button", name="Envoyer mon extrait").click()
    await expect(page.get_by_text("Votre extrait a bien été envoyé")).to_be_visible()
    await expect(page.get_by_text("En attente de vérification")).to_be_visible()
    await looker.look(page, "extrait-envoye")


async def download_data(page: Page, email: str) -> None:
    await page.goto("/mon-profil/donnees")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Télécharger mes données").click()
    saved = await (await download_info.value).path()
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["accounts"]["account"]["email"] == email
    assert document["accounts"]["account"]["ambassador"]["city"] == "Lille-Hellemmes"


async def change_email(page: Page, site: RunningSite, looker: Looker, new_email: str) -> None:
    await page.goto("/mon-profil")
    await page.get_by_role("link", name="Modifier l'adresse e-mail").click()
    await page.get_by_label("Nouvelle adresse e-mail").fill(new_email)
    await page.get_by_label("Mot de passe actuel").fill(PASSWORD)
    await page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    await expect(
        page.get_by_text(f"Un lien de confirmation a été envoyé à {new_email}")
    ).to_be_visible()
    await page.goto(await link_from_mail(site, new_email, "/email"))
    await page.get_by_role("button", name="Confirmer cette adresse").click()
    await expect(
        page.get_by_text("Votre nouvelle adresse e-mail est confirmée").first
    ).to_be_visible()
    await looker.look(page, "email-confirmee")
    await page.goto("/mon-profil")
    await expect(page.get_by_text(new_email, exact=True)).to_be_visible()


async def lose_password(page: Page, site: RunningSite, looker: Looker, email: str) -> None:
    await page.get_by_role("button", name="Se déconnecter").click()
    await page.get_by_role("link", name="Mot de passe perdu ?").click()
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_role("button", name="Recevoir un lien").click()
    await expect(page.get_by_text(f"Si un compte existe pour l'adresse {email}")).to_be_visible()
    first_link = await link_from_mail(site, email, "/mot-de-passe")
    await expire_links(site, "password_reset")  # the person found the email too late
    await page.goto(first_link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ce lien a expiré")
    await page.get_by_role("button", name="Recevoir un nouveau lien").click()
    await page.goto(await link_from_mail(site, email, "/mot-de-passe", nth=2))
    await page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    await page.get_by_role("button", name="Changer mon mot de passe").click()
    await expect(page.get_by_text("Votre mot de passe a été changé")).to_be_visible()
    await sign_in(page, email, NEW_PASSWORD)
    await looker.look(page, "reconnecte")


async def delete_account(page: Page, site: RunningSite, looker: Looker, email: str) -> None:
    await page.goto("/mon-profil")
    await page.get_by_role("link", name="Supprimer mon compte").click()
    await page.get_by_label("Je comprends que mon compte").check()
    await page.get_by_role("button", name="Supprimer mon compte").click()
    await expect(page).to_have_url(site.url("/"))
    await expect(page.get_by_text("Votre compte a été supprimé")).to_be_visible()
    await looker.look(page, "compte-supprime")
    assert not await can_sign_in(site, email, NEW_PASSWORD)
