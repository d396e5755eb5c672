"""« Administration » in a real browser: an email that failed is sent again with
« Renvoyer », and the audit log shows, filtered by reader and by person, the read a
referent's page made.

The mail catcher accepts every email; a refusal by the SMTP server is therefore
written into the notifier's store, as the worker would have written it.
"""

from __future__ import annotations

import asyncio
import json
import re
from email.message import EmailMessage

from bson import Binary
from playwright.async_api import Browser, Page, expect

from shared.bus.memory import MemoryBus
from shared.parking import MASKED
from tests.fixtures.mongo import failing_commands
from tests.fixtures.rabbit import wait_until
from tests.notifier import samples
from tests.notifier.conftest import wrap
from tests.web.api_people import ELISE, Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, link_from_mail, new_ambassador, sign_in_as
from tests.web.site import RunningSite

ELISE_EMAIL = DEMO["ambassador"][0]
ZOE_EMAIL = "zoe.parked@example.org"


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
    refused = failures.locator(".totals div").filter(has_text="Refusé par le serveur")
    await expect(refused.locator("dd")).to_have_text("1")
    await looker.look(page, "administration")
    await row.get_by_role("button", name=f"Renvoyer l'e-mail à {ELISE_EMAIL}").click()
    await expect(page.get_by_text(f"L'e-mail à {ELISE_EMAIL} va être renvoyé")).to_be_visible()
    await _mails_to(site, ELISE_EMAIL, sent_before + 1)
    await page.goto("/admin")
    await expect(
        page.get_by_role("region", name="E-mails en échec").get_by_text(ELISE_EMAIL)
    ).to_have_count(0)
    await expect(refused.locator("dd")).to_have_text("0")

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
    await page.goto("/referents/file-de-travail")
    newcomers = page.get_by_role("region", name=re.compile("Nouveaux ambassadeurs"))
    # Solicitable since the demo accounts were created, a few seconds ago.
    await expect(newcomers.get_by_role("row").filter(has_text="Hugo I.")).to_contain_text(
        "aujourd'hui"
    )
    for link in (
        "File de travail de la région",
        "Ambassadeurs de la région",
        "Statistiques de la région",
        "Appels à participation de la région",
    ):
        await page.goto("/admin")
        await page.get_by_role("link", name=link).click()
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await looker.look(page, link)


async def test_admin_finds_accounts_creates_a_referent_and_changes_their_territory(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "admin")
    await page.goto("/admin")
    tools = page.get_by_role("navigation", name="Outils de l'administrateur")
    await tools.get_by_role("link", name="Comptes", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Comptes")
    await page.get_by_label("Nom, prénom ou adresse e-mail").fill("élise")
    await page.get_by_role("button", name="Rechercher").click()
    row = page.get_by_role("row").filter(has_text="Élise Voltaire-Démo")
    await expect(row).to_contain_text("Ambassadeur")
    await expect(row).to_contain_text("Actif")
    await expect(page.get_by_role("row")).to_have_count(2)  # the heading row and Élise's
    await looker.look(page, "comptes-recherche")
    await page.get_by_label("Nom, prénom ou adresse e-mail").fill("")
    await page.get_by_label("Rôle").select_option(label="référent territorial")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_role("row").filter(has_text="Rosalie Fictive")).to_have_count(1)
    await expect(page.get_by_role("row").filter(has_text="Élise")).to_have_count(0)

    # A new referent for the Somme.
    await tools.get_by_role("link", name="Créer un référent").click()
    await page.get_by_role("button", name="Créer le référent").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez le prénom")
    await expect(page.get_by_role("alert")).to_contain_text("Cochez au moins un département")
    await looker.look(page, "referent-erreur")
    await page.get_by_label("Prénom").fill("Hugo")
    await page.get_by_label("Nom", exact=True).fill("Somme-Fictif")
    await page.get_by_label("Adresse e-mail").fill("hugo.referent@example.org")
    await page.get_by_label("Somme (80)").check()
    await page.get_by_role("button", name="Créer le référent").click()
    await expect(page.get_by_text("Le compte de Hugo Somme-Fictif est créé")).to_be_visible()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Hugo Somme-Fictif")
    await expect(page.get_by_text("En attente d'activation")).to_be_visible()
    await expect(page.locator("dl.summary")).to_contain_text("Somme")
    await looker.look(page, "referent-cree")
    await link_from_mail(site, "hugo.referent@example.org", "/activer")

    # The same address twice is refused, with what typed kept.
    await page.goto("/admin/referents/nouveau")
    await page.get_by_label("Prénom").fill("Hugo")
    await page.get_by_label("Nom", exact=True).fill("Doublon")
    await page.get_by_label("Adresse e-mail").fill("hugo.referent@example.org")
    await page.get_by_label("Aisne (02)").check()
    await page.get_by_role("button", name="Créer le référent").click()
    await expect(page.get_by_role("alert")).to_be_visible()
    await expect(page.get_by_label("Nom", exact=True)).to_have_value("Doublon")

    # His territory becomes the Aisne and the Lille Est bassin.
    await page.goto("/admin/comptes?role=referent")
    await page.get_by_role("link", name="Hugo Somme-Fictif").click()
    await page.get_by_label("Somme (80)").uncheck()
    await page.get_by_role("button", name="Enregistrer le territoire").click()
    await expect(page.get_by_role("alert")).to_contain_text("Cochez au moins un département")
    await page.get_by_label("Aisne (02)").check()
    await page.get_by_label("Lille Est").check()
    await page.get_by_role("button", name="Enregistrer le territoire").click()
    await expect(page.get_by_text("Le territoire de Hugo Somme-Fictif est changé")).to_be_visible()
    await expect(page.locator("dl.summary")).to_contain_text("Aisne (02), Lille Est")
    await looker.look(page, "referent-territoire")


async def test_admin_suspends_an_ambassador_from_the_account_and_reads_the_catalogue(
    page: Page, looker: Looker
) -> None:
    await sign_in_as(page, "admin")
    await page.goto(f"/admin/comptes/{ELISE}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Élise Voltaire-Démo")
    await page.get_by_role("link", name="Suspendre Élise Voltaire-Démo").click()
    await page.get_by_label("Motif de la suspension").fill("Comportement inapproprié signalé")
    await page.get_by_role("button", name="Suspendre").click()
    await expect(page.get_by_text("Élise V. est suspendu")).to_be_visible()
    await page.goto(f"/admin/comptes/{ELISE}")
    await expect(page.get_by_text("Motif : Comportement inapproprié signalé")).to_be_visible()
    await looker.look(page, "compte-suspendu")
    await page.get_by_role("button", name="Lever la suspension").click()
    await expect(page.get_by_text("La suspension de Élise V. est levée")).to_be_visible()

    await page.goto("/admin/catalogue")
    await expect(page.get_by_text("ne se modifie pas depuis le site")).to_be_visible()
    await page.get_by_label("Intitulé").fill("elec")
    await page.get_by_role("button", name="Chercher").click()
    await expect(page.get_by_role("row").filter(has_text="Électricien").first).to_be_visible()
    await looker.look(page, "catalogue")
    other = await page.goto("/admin/comptes/inconnu")
    assert other is not None
    assert other.status == 404


async def _parked(site: RunningSite, count: int) -> None:
    async def enough() -> bool:
        return bool(site.platform.bus.state()["parked"] >= count)

    await wait_until(enough, within=15, what=f"{count} messages parked")


async def test_admin_discards_an_unreadable_message_and_replays_one_whose_handler_failed(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    # A producer sends what no contract reads: the notifier sets it aside at once.
    broken = {"id": "0b5d7c7e-2f0e-4d8e-9a51-2d0f3c5c6a11", "type": "accounts.user.registered"}
    bus = site.platform.bus
    assert isinstance(bus, MemoryBus)
    await bus.publish_bytes(
        "accounts.user.registered", json.dumps({**broken, "version": 1, "data": {}}).encode()
    )
    # A sign-up whose email could not be queued: the store refused every write.
    signed_up = wrap(samples.registered(user_id="parked-zoe", email=ZOE_EMAIL))
    async with failing_commands(
        site.platform.mongo,
        app_name="tests",
        commands=["insert", "update"],
        times=1000,
        error_code=2,
    ):
        await site.platform.bus.publish(signed_up)
        await _parked(site, 2)

    await sign_in_as(page, "admin")
    await page.goto("/admin")
    await page.get_by_role("link", name="Messages mis de côté").first.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Messages mis de côté")
    waiting = page.get_by_role("region", name="En attente d'une décision")
    rows = waiting.locator("tbody tr")
    await expect(rows).to_have_count(2)
    unreadable = rows.filter(has_text="Illisible")
    failed = rows.filter(has_text="Le traitement a échoué à chaque essai (4)")
    await expect(failed).to_contain_text("E-mails")
    await looker.look(page, "messages-mis-de-cote")

    # The failed one's page shows its envelope, the confirmation link masked.
    await failed.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Message mis de côté")
    content = page.get_by_label("Contenu de l'événement")
    await expect(content).to_contain_text(str(signed_up.id))
    await expect(content).to_contain_text(MASKED)
    assert samples.CONFIRMATION_URL not in await page.content()
    await looker.look(page, "message-mis-de-cote")
    await page.get_by_role("link", name="Retour aux messages mis de côté").click()

    await unreadable.get_by_role("button", name=re.compile("^Écarter")).click()
    await expect(page.get_by_text("Le message est écarté définitivement.")).to_be_visible()
    await expect(rows).to_have_count(1)
    # The store works again: replayed, the sign-up's email goes out.
    await rows.get_by_role("button", name=re.compile("^Rejouer")).click()
    await expect(page.get_by_text("Le message est remis dans sa file")).to_be_visible()
    await _mails_to(site, ZOE_EMAIL, 1)
    [mail] = site.mail.messages(to=ZOE_EMAIL)
    assert samples.CONFIRMATION_URL in (await site.mail.read(mail)).links
    await expect(page.get_by_text("Aucun message mis de côté")).to_be_visible()

    decisions = page.get_by_role("region", name="Dernières décisions").locator("tbody tr")
    await expect(decisions).to_have_count(2)
    await expect(decisions.nth(0)).to_contain_text("Rejoué")
    await expect(decisions.nth(0)).to_contain_text(str(signed_up.id))
    await expect(decisions.nth(1)).to_contain_text("Écarté")
    await expect(decisions.nth(1)).to_contain_text(broken["id"])
    await looker.look(page, "decisions")

    # The page of a message already handled says so; an unknown service is not a page.
    for service in ("notifier", "inconnu"):
        answer = await page.goto(f"/admin/messages-mis-de-cote/{service}/{'0' * 24}")
        assert answer is not None
        assert answer.status == 404


async def test_admin_follows_the_erasure_of_a_deleted_account_service_by_service(
    page: Page, site: RunningSite, api: Api, looker: Looker
) -> None:
    email = "lucas.efface@example.org"
    await new_ambassador(site, email)
    lucas = await api.person(email)
    lucas_id = (await lucas.call("GET", "/accounts/me"))["id"]
    await lucas.call("DELETE", "/accounts/me", status=204)

    await sign_in_as(page, "admin")
    await page.goto("/admin")
    tools = page.get_by_role("navigation", name="Outils de l'administrateur")
    await tools.get_by_role("link", name="Suppressions de comptes").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Suppressions de comptes")
    row = page.get_by_role("row").filter(has_text=lucas_id)
    await expect(row).to_contain_text("À la demande de la personne")
    # Each service erases what it held and says so by an event: the row fills in.
    async with asyncio.timeout(20):
        while "Terminé" not in await row.inner_text():
            await asyncio.sleep(0.2)
            await page.reload()
    # Accounts erases its own data as it deletes the account; the others confirm.
    for service in ("Agenda", "Messagerie", "E-mails"):
        await expect(row).to_contain_text(f"{service}, le ")
    await looker.look(page, "suppressions")

    filters = page.get_by_role("navigation", name="Filtrer les suppressions")
    await filters.get_by_role("link", name="En attente d'un service").click()
    await expect(page.get_by_role("row").filter(has_text=lucas_id)).to_have_count(0)
    await expect(page.get_by_text("Aucun effacement en attente")).to_be_visible()
    await filters.get_by_role("link", name="Terminés").click()
    await expect(page.get_by_role("row").filter(has_text=lucas_id)).to_contain_text("Terminé")
    await looker.look(page, "suppressions-terminees")
