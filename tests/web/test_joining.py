"""« Nous rejoindre »: an ambassador joins step by step (with and without JavaScript, and
with the keyboard alone), a member of an educational team finds their establishment,
and an organisation asks to become a partner."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.joining_steps import EMAIL, continue_step, join_as_professional, send_and_expect_mail
from tests.web.people import link_from_mail
from tests.web.site import RunningSite


async def test_ambassador_joins_step_by_step_checks_answers_and_gets_the_link(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await join_as_professional(page, looker)
    summary = page.get_by_role("main")
    for answer in (
        "Ambassadeur des métiers",
        "Élodie Martin",
        "59000 Lille",
        "Bâtiment et travaux publics",
        "Électricienne",
        "Watt & Fils",
        "Présentation en classe",
        "Pas-de-Calais (62)",
        "Lille Centre",
        "Acceptée (version 2026-09)",
    ):
        await expect(summary.get_by_text(answer).first).to_be_visible()
    online = summary.locator(".summary__row").filter(has_text="Aussi à distance")
    await expect(online.locator(".summary__value")).to_have_text("Oui")
    await looker.look(page, "verifier")

    # « Modifier » goes back to the step with what was typed, then back to the check.
    await page.get_by_role("link", name="Modifier commune").click()
    await expect(page.get_by_label("Commune")).to_have_value("Lille")
    await page.get_by_label("Code postal").fill("59800")
    await continue_step(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos réponses")
    await expect(summary.get_by_text("59800 Lille", exact=True)).to_be_visible()

    await send_and_expect_mail(page, looker, site, EMAIL)


async def test_steps_sent_empty_show_each_error_next_to_its_field_and_in_the_summary(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    # A later step cannot be reached before the earlier ones are answered.
    await page.goto("/nous-rejoindre/ambassadeur/zone")
    await expect(page).to_have_url(re.compile(r"/nous-rejoindre/ambassadeur/profil$"))
    await page.goto("/nous-rejoindre/ambassadeur/verifier")
    await expect(page).to_have_url(re.compile(r"/nous-rejoindre/ambassadeur/profil$"))

    await continue_step(page)
    summary = page.get_by_role("alert")
    await expect(summary.get_by_role("heading")).to_have_text("Il y a un problème")
    link = summary.get_by_role("link", name="Choisissez le profil qui vous correspond.")
    await expect(link).to_have_attribute("href", "#profile")
    await expect(page.locator("#profile-error")).to_contain_text(
        "Choisissez le profil qui vous correspond."
    )
    assert (await page.title()).startswith("Erreur : ")
    await looker.look(page, "profil-erreur")

    await page.get_by_label("Lycéen, apprenti ou étudiant").check()
    await continue_step(page)
    await page.get_by_label("Prénom").fill("Élodie")
    await page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    await page.get_by_label("Code postal").fill("59")
    await continue_step(page)
    expected = {
        "last_name": "Indiquez votre nom.",
        "email": "Indiquez une adresse e-mail au format nom@exemple.fr.",
        "postcode": "Indiquez un code postal de 5 chiffres, par exemple 59000.",
        "city": "Indiquez votre commune.",
    }
    links = page.get_by_role("alert").get_by_role("link")
    await expect(links).to_have_count(len(expected))
    for field, message in expected.items():
        await expect(links.filter(has_text=message)).to_have_attribute("href", f"#{field}")
        await expect(page.locator(f"#{field}-error")).to_contain_text(message)
        await expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    # What was typed is kept.
    await expect(page.get_by_label("Prénom")).to_have_value("Élodie")
    await expect(page.get_by_label("Adresse e-mail")).to_have_value("pas-une-adresse")
    await looker.look(page, "informations-erreurs")

    # A name the API refuses comes back on its own step, next to its field.
    await page.get_by_label("Prénom").fill("Élodie2")
    await page.get_by_label("Nom", exact=True).fill("Martin")
    await page.get_by_label("Adresse e-mail").fill("eleve@example.org")
    await page.get_by_label("Code postal").fill("80000")
    await page.get_by_label("Commune").fill("Amiens")
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text("La formation que vous suivez")
    await continue_step(page)
    for message in (
        "Indiquez l'intitulé de la formation.",
        "Indiquez le niveau de la formation (CAP, bac pro, BTS…).",
        "Indiquez l'établissement ou l'organisme de formation.",
    ):
        await expect(page.get_by_role("alert").get_by_role("link", name=message)).to_be_visible()
    await page.get_by_label("Intitulé de la formation").fill("BTS Électrotechnique")
    await page.get_by_label("Niveau").fill("BTS")
    await page.get_by_label("Établissement ou organisme de formation").fill("Lycée Baggio")
    await continue_step(page)

    await continue_step(page)
    await expect(
        page.get_by_role("alert").get_by_role("link", name="Choisissez au moins un type")
    ).to_have_attribute("href", "#interventions")
    await looker.look(page, "interventions-erreur")
    await page.get_by_label("Forum, salon ou portes ouvertes").check()
    await continue_step(page)

    await continue_step(page)
    await expect(
        page.get_by_role("alert").get_by_role("link", name="Choisissez au moins un département")
    ).to_have_attribute("href", "#departments")
    await page.get_by_label("Somme (80)").check()
    await continue_step(page)

    await continue_step(page)
    await expect(
        page.get_by_role("alert").get_by_role("link", name="Cochez la case pour accepter la charte")
    ).to_have_attribute("href", "#charter")
    await looker.look(page, "engagements-erreur")
    await page.get_by_label("J'ai lu la charte").check()
    await continue_step(page)

    await page.get_by_role("button", name="Envoyer mon inscription").click()
    await expect(page).to_have_url(re.compile(r"/nous-rejoindre/ambassadeur/informations$"))
    await expect(page.locator("#first_name-error")).to_contain_text(
        "Un nom ne contient que des lettres"
    )
    await expect(page.get_by_label("Prénom")).to_have_value("Élodie2")
    await looker.look(page, "informations-refus-api")
    await page.get_by_label("Prénom").fill("Élodie")
    await continue_step(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos réponses")
    await send_and_expect_mail(page, looker, site, "eleve@example.org")


async def test_ambassador_joins_without_javascript(
    browser: Browser, site: RunningSite, looker: Looker
) -> None:
    context = await new_context(browser, site, javascript=False)
    page = await context.new_page()
    try:
        await join_as_professional(page, looker, email="sans-script@example.org")
        await looker.look(page, "verifier")
        await send_and_expect_mail(page, looker, site, "sans-script@example.org")
    finally:
        await context.close()


async def _tab_to(page: Page, selector: str, *, backwards: bool = False) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(80):
        await page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never received the focus")


async def test_ambassador_joins_with_the_keyboard_alone(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    keys = page.keyboard
    await page.goto("/nous-rejoindre")
    await _tab_to(page, "input[name=choix][value=ambassadeur]")
    await keys.press("Space")
    await _tab_to(page, "button[type=submit]")
    await keys.press("Enter")

    await expect(page).to_have_url(re.compile(r"/profil$"))
    await _tab_to(page, "input[value=student]")
    await keys.press("Space")
    await _tab_to(page, "button[type=submit]:not(.site-nav__button)")
    await keys.press("Enter")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Vos informations personnelles")
    for name, text in (
        ("first_name", "Karim"),
        ("last_name", "Benali"),
        ("email", "clavier@example.org"),
        ("postcode", "62000"),
        ("city", "Arras"),
    ):
        await _tab_to(page, f"#{name}")
        await keys.type(text)
    await keys.press("Enter")  # the form's own button sends it

    await expect(page.get_by_role("heading", level=1)).to_have_text("La formation que vous suivez")
    for name, text in (
        ("training_name", "CAP Cuisine"),
        ("training_level", "CAP"),
        ("training_establishment", "Lycée hôtelier du Touquet"),
    ):
        await _tab_to(page, f"#{name}")
        await keys.type(text)
    await _tab_to(page, "button[type=submit]")
    await keys.press("Enter")

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Quelles interventions acceptez-vous ?"
    )
    await _tab_to(page, "input[value=class_presentation]")
    await keys.press("Space")
    await _tab_to(page, "input[value=discovery_internship]")
    await keys.press("Space")
    await _tab_to(page, "button[type=submit]")
    await keys.press("Enter")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Votre zone d'intervention")
    await _tab_to(page, "input[value='62']")
    await keys.press("Space")
    await _tab_to(page, "button[type=submit]")
    await keys.press("Enter")

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vos consentements et la charte"
    )
    await _tab_to(page, "#surveys")
    await keys.press("Space")
    await _tab_to(page, "#charter")
    await keys.press("Space")
    await _tab_to(page, "button[type=submit]")
    await keys.press("Enter")

    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez vos réponses")
    await looker.look(page, "verifier-clavier")
    await _tab_to(page, "button[type=submit]:not(.site-nav__button)")
    await keys.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    await link_from_mail(site, "clavier@example.org", "/activer")


async def test_staff_member_finds_the_establishment_then_joins(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await page.goto("/")
    await page.get_by_role("link", name="Solliciter un ambassadeur").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Trouver votre établissement")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.locator("#q-error")).to_contain_text(
        "Indiquez le nom, la commune ou le code UAI"
    )
    await looker.look(page, "etablissement-erreur")

    await page.get_by_label("Nom, commune ou code UAI").fill("zzzz introuvable")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_role("heading", name="Aucun établissement trouvé")).to_be_visible()

    await page.get_by_label("Nom, commune ou code UAI").fill("lycée faubourg lille")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page).to_have_url(re.compile(r"q=lyc"))
    await expect(page.get_by_label("Nom, commune ou code UAI")).to_have_value(
        "lycée faubourg lille"
    )
    await looker.look(page, "etablissement-resultats")
    await continue_step(page)
    await expect(page.locator("#uai-error")).to_contain_text(
        "Choisissez votre établissement dans la liste."
    )
    await page.get_by_label("Lycée du Faubourg, Lille").check()
    await continue_step(page)

    await expect(page.get_by_role("heading", level=1)).to_have_text("Vos informations")
    await expect(page.get_by_text("UAI 0599101X")).to_be_visible()
    await page.get_by_role("button", name="Envoyer ma demande d'inscription").click()
    await expect(page.locator("#position-error")).to_contain_text("Indiquez votre fonction")
    await looker.look(page, "equipe-informations-erreurs")
    await page.get_by_label("Prénom").fill("Paul")
    await page.get_by_label("Nom", exact=True).fill("Lefebvre")
    await page.get_by_label("Adresse e-mail professionnelle").fill("paul.lefebvre@ac-lille.fr")
    await page.get_by_label("Votre fonction").fill("Professeur principal")
    await page.get_by_role("button", name="Envoyer ma demande d'inscription").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    await looker.look(page, "equipe-verifiez-votre-messagerie")
    await link_from_mail(site, "paul.lefebvre@ac-lille.fr", "/activer")


async def test_organisation_reads_the_partnership_and_asks_to_join(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await page.goto("/")
    await page.get_by_role("contentinfo").get_by_role("link", name="Devenir partenaire").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Devenir partenaire")
    await expect(
        page.get_by_text("réduction d'impôt de 60 % du coût salarial chargé")
    ).to_be_visible()
    await expect(
        page.get_by_text("dans la limite de 20 000 € ou de 0,5 % de son chiffre d'affaires")
    ).to_be_visible()
    await looker.look(page, "devenir-partenaire")

    await page.get_by_role("button", name="Envoyer la demande").click()
    alert = page.get_by_role("alert")
    await expect(alert.get_by_role("link")).to_have_count(3)
    await expect(page.locator("#organization_name-error")).to_contain_text(
        "Indiquez le nom de votre organisation."
    )
    await page.get_by_label("Nom de l'organisation").fill("Watt & Fils")
    await page.get_by_label("Numéro SIRET").fill("732 829 320 00075")  # a wrong check digit
    await page.get_by_label("Votre prénom et votre nom").fill("Inès Garnier")
    await page.get_by_label("Adresse e-mail professionnelle").fill("ines@watt.example.org")
    await page.get_by_label("Nous envisageons aussi").check()
    await page.get_by_label("Votre message").fill("Trois électriciens volontaires.")
    await page.get_by_role("button", name="Envoyer la demande").click()
    # The API's check of the SIRET comes back next to the field, the rest kept.
    await expect(page.locator("#siret-error")).to_contain_text("SIRET")
    await expect(page.get_by_label("Votre message")).to_have_value(
        "Trois électriciens volontaires."
    )
    await looker.look(page, "devenir-partenaire-erreurs")
    await page.get_by_label("Numéro SIRET").fill("732 829 320 00074")
    await page.get_by_role("button", name="Envoyer la demande").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Merci, nous avons reçu votre demande"
    )
    await looker.look(page, "demande-envoyee")
    requests = site.platform.mongo[site.settings.database_name("accounts")]["partner_requests"]
    stored = await requests.find_one({"email": "ines@watt.example.org"})
    assert stored is not None
    assert stored["siret"] == "73282932000074"
    assert stored["sponsorship"] is True
