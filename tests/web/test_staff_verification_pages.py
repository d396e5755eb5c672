"""Teachers without an academic address wait for the referent, in a real browser.

Until the referent of their establishment's zone confirms them, the agenda and the
directory tell them why they are closed and how to go faster; the referent confirms or
refuses (with a reason) from the work queue; a confirmed teacher's pages open at once.
Every page visited is checked with axe-core at 1280 and 375 px and photographed.
"""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Browser, Page, expect

from tests.accounts.conftest import staff
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import PASSWORD, api, link_from_mail, mails_with, sign_in, sign_in_as
from tests.web.site import RunningSite

CLAIRE = "claire.dumont@laposte.example"
HUGO = "hugo.faux@laposte.example"
PENDING = "Votre rattachement est en cours de vérification"


async def _joined(site: RunningSite, email: str, first_name: str, last_name: str) -> None:
    body = staff(email=email, first_name=first_name, last_name=last_name)
    status, answer = await api(site, "POST", "/accounts/staff", json=body)
    assert status == 201, answer
    token = (await link_from_mail(site, email, "/activer")).split("token=", 1)[1]
    status, answer = await api(
        site, "POST", "/accounts/confirmations", json={"token": token, "password": PASSWORD}
    )
    assert status == 200, answer


async def _agenda_opens(page: Page) -> None:
    """Reload the agenda until it opens: the old token is withdrawn within a second."""
    async with asyncio.timeout(20):
        while True:
            await page.goto("/agenda")
            if await page.get_by_role("heading", level=1).inner_text() == "Agenda":
                return
            await asyncio.sleep(0.3)


async def test_a_teacher_waits_for_the_referent_who_confirms_one_and_refuses_another(
    browser: Browser, site: RunningSite, looker: Looker
) -> None:
    await _joined(site, CLAIRE, "Claire", "Dumont")
    await _joined(site, HUGO, "Hugo", "Faux")

    teacher = await (await new_context(browser, site)).new_page()
    await sign_in(teacher, CLAIRE, PASSWORD)
    await teacher.goto("/agenda")
    await expect(teacher.get_by_role("heading", level=1)).to_have_text(PENDING)
    await expect(
        teacher.get_by_text(re.compile("attend la confirmation du référent"))
    ).to_contain_text("Lycée Faidherbe")
    await looker.look(teacher, "personnel-en-attente")
    for closed in ("/ambassadeurs", "/agenda/appels/nouveau"):
        await teacher.goto(closed)
        await expect(teacher.get_by_role("heading", level=1)).to_have_text(PENDING)
    await teacher.goto("/mon-profil")
    await expect(
        teacher.get_by_text(re.compile("attend la confirmation du référent"))
    ).to_be_visible()
    await expect(
        teacher.get_by_role("link", name="indiquer mon adresse académique")
    ).to_be_visible()

    referent = await (await new_context(browser, site)).new_page()
    await sign_in_as(referent, "referent")
    await referent.goto("/referents/file-de-travail")
    region = referent.get_by_role("region", name=re.compile("Personnels à vérifier"))
    claire = region.get_by_role("row").filter(has_text="Claire Dumont")
    await expect(claire).to_contain_text("Lycée Faidherbe")
    await expect(claire).to_contain_text(CLAIRE)
    await expect(claire).to_contain_text("Absent de l'annuaire")
    await looker.look(referent, "personnels-a-verifier")

    await claire.get_by_role("button", name="Confirmer le rattachement de Claire Dumont").click()
    await expect(
        referent.get_by_text(re.compile("Le rattachement de Claire Dumont est confirmé"))
    ).to_be_visible()
    hugo = region.get_by_role("row").filter(has_text="Hugo Faux")
    await hugo.locator("summary").click()
    await looker.look(referent, "personnel-refus")
    await hugo.get_by_label("Motif, que la personne recevra").fill(
        "La direction du lycée ne connaît pas cette personne."
    )
    await hugo.get_by_role("button", name="Refuser le rattachement", exact=True).click()
    await expect(
        referent.get_by_text(re.compile("Le rattachement de Hugo Faux est refusé"))
    ).to_be_visible()
    await expect(region).to_contain_text("Aucun membre d'équipe éducative n'attend")

    # Claire, still signed in, finds her agenda open without signing in again.
    await _agenda_opens(teacher)
    await looker.look(teacher, "personnel-confirme")
    async with asyncio.timeout(15):
        while True:
            confirmed = mails_with(
                site, CLAIRE, "Votre rattachement à Lycée Faidherbe est confirmé"
            )
            refusal = mails_with(
                site, HUGO, "Votre rattachement à Lycée Faidherbe n'a pas été confirmé"
            )
            if confirmed and refusal:
                break
            await asyncio.sleep(0.1)

    refused = await (await new_context(browser, site)).new_page()
    await sign_in(refused, HUGO, PASSWORD)
    await refused.goto("/agenda")
    await expect(refused.get_by_role("heading", level=1)).to_have_text(
        "Votre rattachement n'a pas été confirmé"
    )
    await expect(refused.get_by_text(re.compile("ne connaît pas cette personne"))).to_be_visible()
    await looker.look(refused, "personnel-refuse")
