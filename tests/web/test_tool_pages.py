"""« Messagerie » in the browser (the tools of referents, partners and administrators
have their own files: test_referent_pages, test_partner_pages, test_admin_pages).

The data are made through the public API as the demo people (a request opens a
conversation); the pages are then read and used in the browser, each person in a
context of their own.
"""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from services.accounts.demo import DEMO_ACCOUNTS
from tests.web.api_people import Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, sign_in, sign_in_as
from tests.web.site import RunningSite


async def test_parties_talk_in_the_messaging_and_the_referent_reads_along(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff = await api.demo("staff")
    appointment_id = await staff.solicit(in_days(9))
    conversation_id = await staff.conversation_of(appointment_id)

    await sign_in_as(page, "ambassador")
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Messagerie")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Messagerie")
    item = page.locator(".conversation-item").filter(has_text="Paul")
    await expect(item).to_have_count(1)
    await expect(item).to_contain_text("1 message non lu")
    await looker.look(page, "messagerie-ambassadeur")

    await item.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(f"/messagerie/{conversation_id}$"))
    await expect(page.get_by_text("nos élèves de 3e seraient ravis")).to_be_visible()
    await expect(page.get_by_text("(message de la sollicitation)")).to_be_visible()
    await looker.look(page, "conversation")

    await page.get_by_role("button", name="Envoyer le message").click()
    await expect(page.get_by_role("alert")).to_contain_text("Écrivez votre message")
    await looker.look(page, "conversation-erreur")
    await page.get_by_label("Votre message").fill(
        "Bonjour, je viendrai avec plaisir.\nJoignable au 06 12 34 56 78."
    )
    await page.get_by_role("button", name="Envoyer le message").click()
    await expect(page.get_by_text(re.compile("Votre message a été envoyé à Paul"))).to_be_visible()
    # The number typed is masked for the teacher, and the page says so.
    await expect(page.get_by_text("ont été masquées pour votre interlocuteur")).to_be_visible()
    mine = page.locator(".message--mine")
    await expect(mine).to_contain_text("je viendrai avec plaisir")
    await page.goto("/messagerie")
    await expect(page.locator(".conversation-item").filter(has_text="Paul")).to_contain_text(
        "Tout est lu"
    )

    teacher = await (await new_context(browser, site)).new_page()
    await sign_in_as(teacher, "staff")
    await teacher.goto("/messagerie")
    own = teacher.locator(".conversation-item").filter(has_text="Élise")
    await expect(own).to_contain_text("1 message non lu")
    await own.get_by_role("link").click()
    await expect(teacher.get_by_text("je viendrai avec plaisir")).to_be_visible()
    await expect(teacher.get_by_text("06 12 34 56 78")).to_have_count(0)
    await looker.look(teacher, "conversation-equipe")

    referent = await (await new_context(browser, site)).new_page()
    await sign_in_as(referent, "referent")
    await referent.goto("/messagerie")
    territory = referent.get_by_role("region", name="Conversations de mon territoire")
    await expect(territory.locator(".conversation-item")).to_contain_text("Élise")
    await looker.look(referent, "messagerie-referent")
    await territory.locator(".conversation-item").first.get_by_role("link").click()
    await expect(referent.get_by_text("en tant que référent territorial")).to_be_visible()
    await expect(referent.get_by_text("je viendrai avec plaisir")).to_be_visible()
    await expect(referent.get_by_role("button", name="Envoyer le message")).to_have_count(0)
    await looker.look(referent, "conversation-referent")

    # Another ambassador: as if the conversation did not exist.
    other = await (await new_context(browser, site)).new_page()
    email, password = next(
        (email, password)
        for role, email, password in DEMO_ACCOUNTS
        if role == "ambassador" and email != DEMO["ambassador"][0]
    )
    await sign_in(other, email, password)
    answer = await other.goto(f"/messagerie/{conversation_id}")
    assert answer is not None
    assert answer.status == 404
    await expect(other.get_by_role("heading", level=1)).to_be_visible()
    # An administrator takes part in no conversation: « Messagerie » is not theirs, the
    # same answer for this one and for one that does not exist.
    admin = await (await new_context(browser, site)).new_page()
    await sign_in_as(admin, "admin")
    for path in (f"/messagerie/{conversation_id}", "/messagerie/inexistante"):
        answer = await admin.goto(path)
        assert answer is not None
        assert answer.status == 403
    for opened in (teacher, referent, other, admin):
        await opened.context.close()


async def test_ambassador_shares_contact_details_after_a_confirmation_step(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff = await api.demo("staff")
    conversation_id = await staff.conversation_of(await staff.solicit(in_days(11)))
    await sign_in_as(page, "ambassador")
    await page.goto(f"/messagerie/{conversation_id}")
    await page.get_by_role("link", name="Partager mes coordonnées").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partager mes coordonnées")
    await looker.look(page, "partager")
    await page.get_by_role("button", name="Partager mes coordonnées").click()
    await expect(page.get_by_text("Vos coordonnées sont partagées")).to_be_visible()

    teacher = await (await new_context(browser, site)).new_page()
    await sign_in_as(teacher, "staff")
    await teacher.goto(f"/messagerie/{conversation_id}")
    await expect(teacher.get_by_text(re.compile("a partagé ses coordonnées le"))).to_be_visible()
    await expect(teacher.get_by_role("link", name=re.compile("electricienne@"))).to_be_visible()
    await teacher.context.close()
