"""« Mon employeur partenaire » in a real browser: an ambassador finds their employer
among the partner organisations, attaches themselves to it (the administrator then
sees them on the organisation's page), and detaches themselves."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.web.api_people import Api
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import sign_in_as
from tests.web.site import RunningSite

EMPLOYER = "Menuiserie Fictive de l'Oise"


async def test_ambassador_attaches_themselves_to_their_employer_then_leaves_it(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    admin = await api.demo("admin")
    organisation = await admin.call(
        "POST", "/accounts/organizations", {"name": EMPLOYER, "kind": "company"}, status=201
    )
    await sign_in_as(page, "ambassador")
    await page.goto("/mon-profil")
    employer_row = page.locator(".summary__row").filter(has_text="Employeur partenaire")
    await expect(employer_row).to_contain_text("Aucun")
    await employer_row.get_by_role("link", name=re.compile("Modifier")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mon employeur partenaire")
    await expect(page.get_by_text("Jamais vos coordonnées ni vos messages")).to_be_visible()

    # A name no partner bears: said, with the way to become one.
    await page.get_by_label("Nom de votre employeur").fill("Zèbre")
    await page.get_by_role("button", name="Chercher").click()
    await expect(page.get_by_text("Aucune organisation partenaire dont le nom")).to_be_visible()
    main = page.get_by_role("main")
    await expect(main.get_by_role("link", name="Devenir partenaire")).to_have_attribute(
        "href", "/devenir-partenaire"
    )

    # Accents and case do not matter; choosing it is said on the profile.
    await page.get_by_label("Nom de votre employeur").fill("menuiserie fictive de l'o")
    await page.get_by_role("button", name="Chercher").click()
    await looker.look(page, "employeur-recherche")
    await page.get_by_role("button", name=f"Choisir {EMPLOYER}").click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"Votre employeur est désormais « {EMPLOYER} »"
    )
    await expect(employer_row).to_contain_text(EMPLOYER)
    await looker.look(page, "profil-employeur")

    # The administrator sees the employee on the organisation's page.
    admin_page = await (await new_context(browser, site)).new_page()
    await sign_in_as(admin_page, "admin")
    await admin_page.goto(f"/admin/partenaires/{organisation['id']}")
    # An organisation recorded without a convention says so.
    convention = admin_page.locator(".summary__row").filter(has_text="Convention de mécénat")
    await expect(convention).to_contain_text("Aucune")
    employees = admin_page.get_by_role("region", name="Ses salariés ambassadeurs")
    await expect(employees.get_by_role("link", name=re.compile("Élise"))).to_be_visible()
    contacts = admin_page.get_by_role("region", name="Son contact")
    await expect(contacts).to_contain_text("Aucun contact pour l'instant")
    await looker.look(admin_page, "organisation-salaries")
    await employees.get_by_role("link", name=re.compile("Élise")).click()
    await admin_page.get_by_role("link", name="Voir son employeur, partenaire du programme").click()
    await expect(admin_page.get_by_role("heading", level=1)).to_have_text(EMPLOYER)
    await admin_page.context.close()

    # Leaving the employer: the profile says none again.
    await page.goto("/mon-profil/employeur")
    await expect(page.get_by_text(f"Vous êtes rattaché à {EMPLOYER}.")).to_be_visible()
    await looker.look(page, "employeur-actuel")
    await page.get_by_role("button", name=f"Ne plus être rattaché à {EMPLOYER}").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Vous n'êtes plus rattaché à un employeur partenaire"
    )
    await expect(employer_row).to_contain_text("Aucun")
