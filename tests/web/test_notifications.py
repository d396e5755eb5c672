"""« Mes notifications », the unsubscribe link of optional emails, and the warning of an
address that bounces, in a real browser (with the notifier's real emails)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import aiohttp
from playwright.async_api import Browser, Page, expect

from services.notifier.store import NotifierStore
from shared.contracts.agenda import CallPublished
from shared.events import Envelope
from tests.notifier import samples
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, api, sign_in, sign_in_as
from tests.web.site import RunningSite

CALLS = "Appels à ambassadeurs pour un événement"
FEEDBACK = "Demandes d'avis après une intervention"


async def demo_user_id(site: RunningSite, role: str) -> str:
    email_address, password = DEMO[role]
    status, session = await api(
        site, "POST", "/accounts/sessions", json={"email": email_address, "password": password}
    )
    assert status == 200, session
    return str(session["user"]["id"])


async def call_published_to(site: RunningSite, user_id: str) -> str:
    """An open call emailed to ``user_id``; returns the email's ``List-Unsubscribe`` link."""
    event = CallPublished(call=samples.call(), recipient_ids=[user_id])
    await site.platform.bus.publish(Envelope.wrap(event, producer="agenda"))
    address = DEMO["ambassador"][0]
    caught = await site.mail.wait_for_message(
        to=address, match=lambda mail: mail.subject.startswith("Appel à ambassadeurs")
    )
    message = email.message_from_bytes(await site.mail.raw(caught), policy=email.policy.default)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    return str(message["List-Unsubscribe"]).strip().strip("<>")


async def test_ambassador_chooses_the_emails_received_in_my_notifications(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "ambassador")
    await page.goto("/mon-profil")
    await page.get_by_role("link", name="Choisir les e-mails que je reçois").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mes notifications")
    await expect(page.get_by_label(CALLS)).to_be_checked()
    await expect(page.get_by_label(FEEDBACK)).to_be_checked()
    await looker.look(page, "mes-notifications")

    await page.get_by_text(CALLS).click()
    await page.get_by_role("button", name="Enregistrer mes choix").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Vos choix d'e-mails ont été enregistrés."
    )
    await expect(page.get_by_label(CALLS)).not_to_be_checked()
    await expect(page.get_by_label(FEEDBACK)).to_be_checked()
    await looker.look(page, "mes-notifications-enregistre")


async def test_unsubscribe_link_asks_to_confirm_and_a_mail_program_unsubscribes_in_one_click(
    browser: Browser, page: Page, site: RunningSite, looker: Looker
) -> None:
    user_id = await demo_user_id(site, "ambassador")
    link = await call_published_to(site, user_id)
    assert link.startswith(site.url("/desabonnement?jeton="))

    # Opening the link (as a person, or a mail scanner would) only asks to confirm.
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Se désabonner")
    await expect(page.get_by_text(f"« {CALLS} »")).to_be_visible()
    await looker.look(page, "se-desabonner")
    other = await new_context(browser, site)
    settings_page = await other.new_page()
    await sign_in_as(settings_page, "ambassador")
    await settings_page.goto("/mon-profil/notifications")
    await expect(settings_page.get_by_label(CALLS)).to_be_checked()

    # A mail program's one click: a POST without cookie nor form token.
    async with aiohttp.ClientSession() as http:
        async with http.post(link, data={"List-Unsubscribe": "One-Click"}) as answer:
            assert answer.status == 200
        async with http.post(link, data={"autre": "chose"}) as answer:
            assert answer.status == 400
        forged = link[:-4] + "AAAA"
        async with http.post(forged, data={"List-Unsubscribe": "One-Click"}) as answer:
            assert answer.status == 404
            assert "Lien de désabonnement non valide" in await answer.text()
    await settings_page.reload()
    await expect(settings_page.get_by_label(CALLS)).not_to_be_checked()
    await expect(settings_page.get_by_label(FEEDBACK)).to_be_checked()
    await other.close()

    # The confirm button does the same (again: nothing more changes).
    await page.get_by_role("button", name="Confirmer le désabonnement").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Désabonnement enregistré")
    await looker.look(page, "desabonnement-enregistre")
    await page.goto(forged)
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Lien de désabonnement non valide"
    )
    await looker.look(page, "lien-non-valide")


async def test_an_address_that_bounces_is_shown_at_sign_in_and_to_the_administrator(
    browser: Browser, page: Page, site: RunningSite, looker: Looker
) -> None:
    address, password = DEMO["ambassador"]
    user_id = await demo_user_id(site, "ambassador")
    # The recipient's mail server answered a 5xx report (see tests/notifier/test_bounces).
    store = NotifierStore(site.platform.mongo[site.settings.database_name("notifier")])
    await store.mark_undeliverable(
        address,
        user_id=user_id,
        status="5.1.1",
        diagnostic="smtp; 550 5.1.1 User unknown",
        now=datetime.now(UTC),
    )

    await sign_in(page, address, password)
    banner = page.get_by_role("status")
    await expect(banner).to_contain_text("Votre adresse e-mail refuse nos messages")
    # Where the address is changed: under « Connexion », not the other information.
    await expect(banner).to_contain_text("« Mon profil », rubrique « Connexion »")
    await looker.look(page, "adresse-refusee")
    await page.goto("/mon-profil/notifications")
    await expect(page.get_by_role("link", name="Changez votre adresse e-mail")).to_be_visible()

    admin = await new_context(browser, site)
    admin_page = await admin.new_page()
    await sign_in_as(admin_page, "admin")
    await admin_page.goto("/admin#adresses")
    table = admin_page.get_by_role("table", name="Adresses qui refusent les e-mails")
    await expect(table).to_contain_text(address)
    await expect(table).to_contain_text("5.1.1")
    await looker.look(admin_page, "admin-adresses-refusees")
    await table.get_by_role("button", name=f"Lever le blocage de {address}").click()
    await expect(admin_page.get_by_role("status")).to_have_text(
        f"Les e-mails de la plateforme sont de nouveau envoyés à {address}."
    )
    await expect(admin_page.get_by_text("Aucune adresse ne refuse les e-mails")).to_be_visible()
    await admin.close()
    assert await store.undeliverable_among([address]) == set()
