"""« Administration » in a real browser: an email that failed is sent again with
« Renvoyer », and the audit log shows, filtered by reader and by person, the read a
referent's page made.

The mail catcher accepts every email; a refusal by the SMTP server is therefore
written into the notifier's store, as the worker would have written it.
"""

from __future__ import annotations

import asyncio
import re
from email.message import EmailMessage

from bson import Binary
from playwright.async_api import Browser, Page, expect

from tests.web.api_people import ELISE, Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, sign_in_as
from tests.web.site import RunningSite

ELISE_EMAIL = DEMO["ambassador"][0]


async def _mails_to(site: RunningSite, to: str, at_least: int) -> None:
    async with asyncio.timeout(15):
        while True:
            if len(site.mail.messages(to=to)) >= at_least:
                return
            await asyncio.sleep(0.1)


async def test_admin_retries_a_failed_email_and_reads_the_referents_read_in_the_audit_log(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    await (await api.demo("staff")).solicit(in_days(7))
    await _mails_to(site, ELISE_EMAIL, 1)
    sent_before = len(site.mail.messages(to=ELISE_EMAIL))
    deliveries = site.platform.mongo[site.settings.database_name("notifier")]["deliveries"]
    # A refusal keeps the message for a retry (a sent one no longer has it).
    message = EmailMessage()
    message["From"] = "Proch'Orientation <ne-pas-repondre@example.org>"
    message["To"] = ELISE_EMAIL
    message["Subject"] = "Nouvelle sollicitation (renvoi)"
    message.set_content("Bonjour, une sollicitation vous attend.")
    failed = await deliveries.find_one_and_update(
        {"recipient": ELISE_EMAIL, "status": "sent"},
        {
            "$set": {
                "status": "failed",
                "last_error": "550 5.1.1 Boîte aux lettres inconnue",
                "message": Binary(message.as_bytes()),
                "subject": "Nouvelle sollicitation (renvoi)",
            }
        },
    )
    assert failed is not None

    # The referent opens the work queue: a read of Élise's data, logged.
    referent = await (await new_context(browser, site)).new_page()
    await sign_in_as(referent, "referent")
    await referent.goto("/referents/file-de-travail")
    await expect(referent.get_by_role("heading", level=1)).to_have_text("File de travail")
    await referent.context.close()
    referent_id = (await (await api.demo("referent")).call("GET", "/accounts/me"))["id"]

    await sign_in_as(page, "admin")
    await page.goto("/admin")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    failures = page.get_by_role("region", name="E-mails en échec")
    row = failures.get_by_role("row").filter(has_text=ELISE_EMAIL)
    await expect(row).to_contain_text("Refusé par le serveur de messagerie")
    await expect(row).to_contain_text("Boîte aux lettres inconnue")
    await looker.look(page, "administration")
    await row.get_by_role("button", name=f"Renvoyer l'e-mail à {ELISE_EMAIL}").click()
    await expect(page.get_by_text(f"L'e-mail à {ELISE_EMAIL} va être renvoyé")).to_be_visible()
    await _mails_to(site, ELISE_EMAIL, sent_before + 1)
    await page.goto("/admin")
    await expect(
        page.get_by_role("region", name="E-mails en échec").get_by_text(ELISE_EMAIL)
    ).to_have_count(0)

    journal = page.get_by_role("region", name=re.compile("Journal des consultations"))
    await journal.get_by_label("Lecteur (identifiant)").fill(referent_id)
    await journal.get_by_label("Personne concernée (identifiant)").fill(ELISE)
    await journal.get_by_role("button", name="Filtrer le journal").click()
    journal = page.get_by_role("region", name=re.compile("Journal des consultations"))
    entries = journal.get_by_role("row").filter(has_text="File de travail consultée")
    await expect(entries.first).to_contain_text("référent territorial")
    await expect(entries.first).to_contain_text(ELISE)
    for text in await journal.locator("tbody tr").all_inner_texts():
        assert referent_id in text, text
        assert ELISE in text, text
    await looker.look(page, "journal-filtre")

    await journal.get_by_label("Premier jour").fill("2030-01-02")
    await journal.get_by_label("Dernier jour").fill("2030-01-01")
    await journal.get_by_role("button", name="Filtrer le journal").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez un dernier jour après")
    await looker.look(page, "journal-erreur")


async def test_admin_index_links_to_the_region_wide_tools(page: Page, looker: Looker) -> None:
    await sign_in_as(page, "admin")
    for link in (
        "File de travail de la région",
        "Ambassadeurs de la région",
        "Statistiques de la région",
        "Publier un appel à participation",
    ):
        await page.goto("/admin")
        await page.get_by_role("link", name=link).click()
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await looker.look(page, link)
