"""« Changer d'établissement » in a real browser: a teacher transferred to another
school finds it and moves; an academic address confirms the move at once, any other
leaves it to the referent, and the pages closed meanwhile say why."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.accounts.conftest import staff
from tests.web import people
from tests.web.api_people import Api
from tests.web.browser import Looker
from tests.web.people import PASSWORD, sign_in
from tests.web.site import RunningSite

ACADEMIC = "nadia.mutation@ac-lille.fr"
OTHER = "remi.mutation@laposte.example"
PENDING = "Votre rattachement est en cours de vérification"


async def _joined(site: RunningSite, email: str) -> str:
    """A member of the team of Lycée Faidherbe, Lille, with a password; their id."""
    body = staff(email=email, first_name="Nadia", last_name="Mutation")
    status, answer = await people.api(site, "POST", "/accounts/staff", json=body)
    assert status == 201, answer
    token = (await people.link_from_mail(site, email, "/activer")).split("token=", 1)[1]
    status, answer = await people.api(
        site, "POST", "/accounts/confirmations", json={"token": token, "password": PASSWORD}
    )
    assert status == 200, answer
    return str(answer["id"])


async def _move_to_arras(page: Page) -> None:
    await page.goto("/mon-profil")
    establishment = page.locator(".summary__row").filter(has_text="Établissement")
    await expect(establishment).to_contain_text("Lycée Faidherbe")
    await establishment.get_by_role("link", name=re.compile("Modifier")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Changer d'établissement")
    await page.get_by_label("Nom, commune ou code UAI du nouvel établissement").fill("boves arras")
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_label("Lycée des Boves, Arras").check()


async def test_a_teacher_with_an_academic_address_moves_at_once(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await _joined(site, ACADEMIC)
    await sign_in(page, ACADEMIC, PASSWORD)
    await page.goto("/mon-profil/etablissement")
    # Nothing chosen, nothing searched: each said next to its field.
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.locator("#q-error")).to_contain_text("Indiquez le nom, la commune")
    await page.get_by_label("Nom, commune ou code UAI du nouvel établissement").fill("boves arras")
    await page.get_by_role("button", name="Rechercher").click()
    await page.get_by_role("button", name="Changer d'établissement").click()
    await expect(page.locator("#uai-error")).to_contain_text(
        "Choisissez votre nouvel établissement"
    )
    await expect(page.get_by_label("Lycée des Boves, Arras")).to_be_visible()  # still offered
    await _move_to_arras(page)
    await looker.look(page, "etablissement-choix")
    await page.get_by_role("button", name="Changer d'établissement").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Vous êtes rattaché à Lycée des Boves (Arras) : votre adresse académique le confirme."
    )
    establishment = page.locator(".summary__row").filter(has_text="Établissement")
    await expect(establishment).to_contain_text("Lycée des Boves, Arras (0629101F)")
    # The new establishment's pages open with the tokens taken again by the site.
    await page.goto("/ambassadeurs")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Trouver un ambassadeur")


async def test_a_confirmed_teacher_without_one_waits_for_the_referent_of_the_new_zone(
    page: Page, site: RunningSite, api: Api, looker: Looker
) -> None:
    teacher_id = await _joined(site, OTHER)
    # Confirmed for Lille by the Nord's referent, as a teacher without one would be.
    referent = await api.demo("referent")
    await referent.call(
        "POST", f"/accounts/staff/{teacher_id}/verification", {"decision": "verified"}
    )
    await sign_in(page, OTHER, PASSWORD)
    await page.goto("/ambassadeurs")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Trouver un ambassadeur")
    await _move_to_arras(page)
    await page.get_by_role("button", name="Changer d'établissement").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Votre rattachement à Lycée des Boves (Arras) attend la confirmation du référent"
    )
    await looker.look(page, "etablissement-en-attente")
    # The new establishment's referents (here seen by the administrator) have it to decide.
    admin = await api.demo("admin")
    waiting = await admin.call("GET", "/accounts/staff-verifications?limit=100")
    [moved] = [item for item in waiting["items"] if item["user_id"] == teacher_id]
    assert moved["establishment"]["uai"] == "0629101F"
    await page.goto("/ambassadeurs")
    await expect(page.get_by_role("heading", level=1)).to_have_text(PENDING)
    # Choosing the same one again changes nothing.
    await page.goto("/mon-profil/etablissement?q=0629101F")
    await page.get_by_label("Lycée des Boves, Arras").check()
    await page.get_by_role("button", name="Changer d'établissement").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Lycée des Boves est déjà votre établissement."
    )
