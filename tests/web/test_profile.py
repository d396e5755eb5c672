"""« Mon profil »: what each person may change, their data, and the deletion of the account."""

from __future__ import annotations

import json
import re

import aiohttp
from playwright.async_api import FilePayload, Page, expect

from tests.accounts.conftest import MINIMAL_PDF
from tests.web.browser import Looker
from tests.web.people import DEMO, new_ambassador, sign_in, sign_in_as
from tests.web.site import RunningSite


async def test_ambassador_updates_information_availability_and_consents(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "ambassador")
    await page.goto("/mon-profil")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    await expect(page.get_by_text("Vérifié jusqu'au")).to_be_visible()
    await looker.look(page, "mon-profil")

    await page.get_by_role("link", name="Mise à jour de mes informations").click()
    await looker.look(page, "modifier")
    await page.get_by_label("Prénom").fill("")
    await page.get_by_label("Code postal").fill("59O00")
    await page.get_by_role("button", name="Enregistrer").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("Indiquez votre prénom.")
    await expect(summary).to_contain_text("Indiquez un code postal de 5 chiffres")
    await looker.look(page, "modifier-erreurs")
    await page.get_by_label("Prénom").fill("Camille")
    await page.get_by_label("Code postal").fill("59800")
    await page.get_by_label("Présentation").fill("Je montre les chantiers de rénovation.")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("status")).to_have_text("Vos informations ont été mises à jour.")
    await expect(page.get_by_text("Connecté : Camille")).to_be_visible()
    await expect(page.get_by_text("Je montre les chantiers de rénovation.")).to_be_visible()

    await page.get_by_role("link", name="Modifier la pause").click()
    # A year typed wrong (3027 for 2027): said at its field, nothing sent.
    await page.get_by_label("Premier jour").fill("2027-02-15")
    await page.get_by_label("Dernier jour").fill("3027-02-28")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez une date entre 2000 et 2100")
    await expect(page.get_by_label("Dernier jour")).to_have_accessible_description(
        re.compile("Indiquez une date entre 2000 et 2100")
    )
    await looker.look(page, "disponibilites-annee")
    await page.get_by_label("Dernier jour").fill("2027-02-10")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez un dernier jour après")
    await page.get_by_label("Dernier jour").fill("2027-02-28")
    await page.get_by_label("Nombre de sollicitations par mois, au plus").fill("3")
    await page.get_by_role("button", name="Enregistrer").click()
    pause = page.get_by_text("du lundi 15 février 2027 au dimanche 28 février 2027")
    await expect(pause).to_be_visible()
    await expect(page.get_by_text("3 au plus")).to_be_visible()
    await page.goto("/mon-profil/disponibilites")
    await expect(page.get_by_label("Dernier jour")).to_have_value("2027-02-28")
    await looker.look(page, "disponibilites")

    await page.goto("/mon-profil/consentements")
    # The box is drawn by its label, which people click.
    await page.get_by_text("J'accepte d'être photographié").click()
    await expect(page.get_by_label("J'accepte d'être photographié")).not_to_be_checked()
    await page.get_by_role("button", name="Enregistrer mes choix").click()
    await expect(page.get_by_text("Vos consentements ont été enregistrés.")).to_be_visible()
    await expect(page.get_by_text("Non accordé")).to_be_visible()


async def test_ambassador_sends_the_extract_and_sees_it_waiting(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "nadia.extrait@example.org"
    password = await new_ambassador(site, email)
    await sign_in(page, email, password)
    await page.goto("/mon-profil")
    await expect(page.get_by_text("À envoyer")).to_be_visible()
    await expect(
        page.get_by_text("l'extrait de casier judiciaire n'est pas encore vérifié.")
    ).to_be_visible()
    await page.get_by_role("link", name="Envoyer mon extrait").click()
    await looker.look(page, "casier")

    await page.get_by_label("Fichier PDF de l'extrait").set_input_files(
        files=FilePayload(name="casier.png", mimeType="image/png", buffer=b"\x89PNG\r\n" * 50)
    )
    await page.get_by_role("button", name="Envoyer mon extrait").click()
    await expect(page.get_by_role("alert")).to_contain_text("PDF")
    await looker.look(page, "casier-erreur")

    await page.get_by_label("Fichier PDF de l'extrait").set_input_files(
        files=FilePayload(name="casier.pdf", mimeType="application/pdf", buffer=MINIMAL_PDF)
    )
    await page.get_by_role("button", name="Envoyer mon extrait").click()
    await expect(page.get_by_role("status")).to_contain_text("Votre extrait a bien été envoyé")
    await expect(page.get_by_text("En attente de vérification")).to_be_visible()


async def test_staff_downloads_data_restricts_them_then_lifts_the_restriction(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "staff")
    await page.goto("/mon-profil/donnees")
    await looker.look(page, "mes-donnees")
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Télécharger mes données").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("mes-donnees-prochorientation-")
    document = json.loads((await download.path()).read_text(encoding="utf-8"))
    assert document["accounts"]["account"]["email"] == DEMO["staff"][0]
    assert set(document) >= {"accounts", "agenda", "messaging", "notifier"}

    await page.get_by_role("button", name="Limiter l'utilisation de mes données").click()
    await expect(page.get_by_role("status")).to_contain_text("ne sont plus utilisées")
    await page.goto("/mon-profil")
    await expect(page.get_by_text("Vous avez demandé la limitation")).to_be_visible()
    await page.goto("/mon-profil/donnees")
    await page.get_by_role("button", name="Lever la limitation").click()
    await expect(page.get_by_role("status")).to_contain_text("La limitation est levée")


async def test_password_change_keeps_this_device_signed_in(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "paul.motdepasse@example.org"
    password = await new_ambassador(site, email)
    await sign_in(page, email, password)
    await page.goto("/mon-profil/mot-de-passe")
    await page.get_by_label("Mot de passe actuel").fill("pas-le-bon")
    await page.get_by_label("Nouveau mot de passe").fill("Une-Autre-Phrase-De-Passe")
    await page.get_by_role("button", name="Changer le mot de passe").click()
    await expect(page.get_by_role("alert")).to_contain_text("Le mot de passe actuel est incorrect")
    await looker.look(page, "mot-de-passe-erreur")
    await page.get_by_label("Mot de passe actuel").fill(password)
    await page.get_by_label("Nouveau mot de passe").fill("Une-Autre-Phrase-De-Passe")
    await page.get_by_role("button", name="Changer le mot de passe").click()
    await expect(page.get_by_role("status")).to_contain_text("Votre mot de passe a été changé")
    await page.goto("/mon-profil/donnees")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")
    async with aiohttp.ClientSession() as http:
        old = await http.post(
            site.url("/api/accounts/sessions"), json={"email": email, "password": password}
        )
        assert old.status == 401


async def test_deletion_asks_for_confirmation_then_erases_the_account(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    email = "lucie.depart@example.org"
    password = await new_ambassador(site, email)
    await sign_in(page, email, password)
    await page.goto("/mon-profil")
    await page.get_by_role("link", name="Supprimer mon compte").click()
    await looker.look(page, "supprimer")
    await page.get_by_role("button", name="Supprimer mon compte").click()
    await expect(page.get_by_role("alert")).to_contain_text("Cochez la case")
    await page.get_by_text("Je comprends que mon compte").click()
    await page.get_by_role("button", name="Supprimer mon compte").click()
    await expect(page).to_have_url(site.url("/"))
    await expect(page.get_by_role("status")).to_contain_text("Votre compte a été supprimé")
    await expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    async with aiohttp.ClientSession() as http:
        gone = await http.post(
            site.url("/api/accounts/sessions"), json={"email": email, "password": password}
        )
        assert gone.status == 401


async def test_ambassador_changes_job_interventions_and_zone_with_the_sign_up_checks(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "ambassador")
    await page.goto("/mon-profil")
    await page.get_by_role("link", name="Modifier le métier").click()
    await expect(page.get_by_label("Intitulé de votre métier")).to_have_value(
        "Électricienne en bâtiment"
    )
    await looker.look(page, "modifier-metier")
    await page.get_by_label("Intitulé de votre métier").fill("Électricienne industrielle")
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(
        page.get_by_text("Votre métier ou votre formation a été mis à jour.")
    ).to_be_visible()
    await expect(page.get_by_text("Électricienne industrielle")).to_be_visible()

    await page.get_by_role("link", name="Modifier les interventions").click()
    for kind in ("Présentation en classe", "Visite d'entreprise"):
        await page.get_by_label(kind).uncheck()
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Choisissez au moins un type d'intervention."
    )
    await looker.look(page, "modifier-interventions-erreur")
    await page.get_by_label("Stage de découverte").check()
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Stage de découverte")).to_be_visible()

    await page.get_by_role("link", name="Modifier la zone d'intervention").click()
    await page.get_by_label("Pas-de-Calais (62)").check()
    await page.get_by_role("button", name="Enregistrer").click()
    await expect(page.get_by_text("Votre zone d'intervention a été mise à jour.")).to_be_visible()
    await expect(page.get_by_text("Pas-de-Calais")).to_be_visible()
