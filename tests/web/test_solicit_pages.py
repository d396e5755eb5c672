"""« Solliciter », « Mes demandes », other slots, cancelling, opinions and calendars, in
the browser as the teacher and the ambassador use them.

Requests are made in the pages (or, to set the scene, through the public API as the
demo people); emails are read from the site's mail catcher.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import aiohttp
from icalendar import Calendar
from playwright.async_api import Browser, Page, expect

from shared.french import datetime_fr
from tests.web.api_people import ELISE, Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, link_from_mail, sign_in, sign_in_as
from tests.web.site import RunningSite

ELISE_EMAIL = DEMO["ambassador"][0]


async def fill_brief(page: Page, starts_at: datetime, *, minutes: str = "45") -> None:
    """The visit brief of a class presentation, as a teacher types it."""
    await page.get_by_label("Présentation en classe").check()
    await page.get_by_label("En présentiel").check()
    await page.get_by_label("Date", exact=True).fill(starts_at.date().isoformat())
    await page.get_by_label("Heure de début").fill(starts_at.strftime("%H:%M"))
    await page.get_by_label("Durée en minutes").fill(minutes)
    await page.get_by_label("Niveau").fill("4e")
    await page.get_by_label("Nombre d'élèves").fill("26")
    await page.get_by_label("Thème de l'intervention").fill("Le métier d'électricienne")
    await page.get_by_label("Matériel disponible sur place").fill("Vidéoprojecteur")
    await page.get_by_label("Je m'engage").check()


async def test_teacher_solicits_through_the_brief_checks_it_and_follows_it(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "staff")
    await page.goto("/ambassadeurs?mots=électricienne")
    await page.get_by_role("link", name="Solliciter Élise V.").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Solliciter Élise V.")
    await looker.look(page, "solliciter")

    # Sent empty: every field to fix is listed at the top and shown next to itself.
    await page.get_by_role("button", name="Continuer").click()
    summary = page.get_by_role("alert")
    for message in (
        "Indiquez la date de l'intervention.",
        "Indiquez le niveau des élèves, par exemple 3e.",
        "Cochez l'engagement : un membre de l'équipe éducative reste avec les élèves.",
    ):
        await expect(summary.get_by_role("link", name=message)).to_be_visible()
    await looker.look(page, "solliciter-erreurs")

    # A class presentation of an hour: said before anything is sent.
    starts_at = in_days(20, hour=14)
    await fill_brief(page, starts_at, minutes="60")
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Une présentation en classe dure 45 minutes au plus"
    )
    await expect(page.get_by_label("Niveau")).to_have_value("4e")  # nothing typed is lost

    await page.get_by_label("Durée en minutes").fill("45")
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre demande")
    for shown in (datetime_fr(starts_at), "45 minutes", "4e, 26 élèves", "Vidéoprojecteur"):
        await expect(page.get_by_text(shown, exact=True)).to_be_visible()
    await looker.look(page, "solliciter-verifier")

    await page.get_by_role("button", name="Modifier la demande").click()
    await expect(page.get_by_label("Thème de l'intervention")).to_have_value(
        "Le métier d'électricienne"
    )
    await page.get_by_label("Niveau").fill("3e")
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_text("3e, 26 élèves")).to_be_visible()
    await page.get_by_role("button", name="Envoyer la demande").click()

    await expect(page.get_by_role("heading", level=1)).to_have_text("Demande envoyée")
    await expect(page.get_by_role("status")).to_have_text(
        "Votre demande a bien été envoyée à Élise V."
    )
    await looker.look(page, "demande-envoyee")
    request_path = await page.get_by_role("link", name="Voir ma demande").get_attribute("href")
    assert request_path is not None
    # The ambassador is emailed a link to this very request.
    link = await link_from_mail(site, ELISE_EMAIL, request_path)
    assert link.endswith(request_path)

    await page.goto("/agenda")
    await expect(page.get_by_role("heading", name="Mes demandes")).to_be_visible()
    await page.get_by_role("link", name="En attente", exact=True).click()
    await expect(page).to_have_url(re.compile(r"/agenda\?vue=en-attente$"))
    items = page.locator(".appointment-item")
    await expect(items).to_have_count(1)
    await expect(items.first).to_contain_text("En attente de réponse")
    await page.get_by_role("link", name="Acceptées").click()
    await expect(page.get_by_text("Aucune demande acceptée à venir.")).to_be_visible()
    await looker.look(page, "mes-demandes-acceptees")


async def test_referent_solicits_for_an_establishment_named_by_its_code(
    page: Page, site: RunningSite
) -> None:
    await sign_in_as(page, "referent")
    await page.goto(f"/ambassadeurs/{ELISE}/solliciter")
    await page.get_by_label("Code UAI de l'établissement").fill("0000000X")
    await fill_brief(page, in_days(21))
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Ce code UAI ne correspond à aucun établissement des Hauts-de-France."
    )
    async with aiohttp.ClientSession() as http:
        url = site.url("/api/accounts/establishments")
        async with http.get(url, params={"q": "Lille", "limit": "1"}) as answer:
            [school] = (await answer.json())["items"]
    await page.get_by_label("Code UAI de l'établissement").fill(school["uai"].lower())
    await page.get_by_role("button", name="Continuer").click()
    await expect(page.get_by_text(f"{school['name']}, {school['postcode']}")).to_be_visible()
    await page.get_by_role("button", name="Envoyer la demande").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Demande envoyée")


async def test_ambassador_refuses_with_other_slots_and_the_teacher_takes_one(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff = await api.demo("staff")
    asked = await staff.solicit(in_days(10))
    elise_context, paul_context = await new_context(browser, site), await new_context(browser, site)
    elise, paul = await elise_context.new_page(), await paul_context.new_page()
    await sign_in(elise, *DEMO["ambassador"])
    await sign_in(paul, *DEMO["staff"])

    await elise.goto(f"/agenda/rendez-vous/{asked}")
    first, second = in_days(12, hour=9), in_days(13, hour=15)
    await elise.get_by_label("Message personnel").fill("Je suis sur un chantier ce jour-là.")
    await elise.get_by_label("Date du créneau 1").fill(in_days(-2).date().isoformat())
    await elise.get_by_label("Heure").first.fill("09:00")
    await elise.get_by_role("button", name="Refuser").click()
    await expect(elise.get_by_role("alert")).to_contain_text(
        "Indiquez pour le créneau 1 une date après aujourd'hui."
    )
    await expect(elise.get_by_label("Message personnel")).to_have_value(
        "Je suis sur un chantier ce jour-là."
    )
    await elise.get_by_label("Date du créneau 1").fill(first.date().isoformat())
    await elise.get_by_label("Date du créneau 2").fill(second.date().isoformat())
    await elise.get_by_label("Heure").nth(1).fill("15:00")
    await looker.look(elise, "refuser-avec-creneaux")
    await elise.get_by_role("button", name="Refuser").click()
    await expect(elise.get_by_role("status")).to_have_text("Votre réponse a été envoyée à Paul E.")
    await expect(elise.locator(".slot")).to_have_count(2)

    await paul.goto(f"/agenda/rendez-vous/{asked}")
    await expect(paul.get_by_text("« Je suis sur un chantier ce jour-là. »")).to_be_visible()
    await paul.get_by_role("button", name=f"Retenir ce créneau du {datetime_fr(second)}").click()
    await expect(paul.locator(".tag").first).to_have_text("Accepté")
    await paul.goto("/agenda?vue=acceptees")
    await expect(paul.locator(".appointment-item")).to_contain_text(datetime_fr(second))
    await elise.goto("/agenda")
    accepted = elise.locator(".appointment-item").filter(has_text="Accepté")
    await expect(accepted).to_contain_text(datetime_fr(second))

    # The accepted appointment goes into the ambassador's own calendar, as a file.
    await accepted.get_by_role("link").click()
    async with elise.expect_download() as download_info:
        await elise.get_by_role("link", name=re.compile("Ajouter à mon calendrier")).click()
    download = await download_info.value
    assert download.suggested_filename == "rendez-vous.ics"
    path = await download.path()
    [event] = Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert event.decoded("DTSTART") == second
    assert "Avec Paul E. Public" in str(event["DESCRIPTION"]).replace("\n", " ")
    await looker.look(elise, "rendez-vous-accepte-ambassadeur")
    # Its conversation is one click away, named for the new date.
    await elise.get_by_role("link", name="Écrire à Paul E. dans la messagerie").click()
    await expect(elise).to_have_url(re.compile(r"/messagerie/[^/?]+$"))
    await expect(elise.get_by_role("heading", level=1)).to_contain_text(
        datetime_fr(second).split(" à ")[0]
    )
    await elise_context.close()
    await paul_context.close()


async def test_ambassador_subscribes_to_a_calendar_whose_address_is_shown_once(
    page: Page, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff, elise = await api.demo("staff"), await api.demo("ambassador")
    asked = await staff.solicit(in_days(15))
    await elise.call("POST", f"/agenda/appointments/{asked}/accept")
    await sign_in_as(page, "ambassador")
    await page.goto("/agenda")
    await page.get_by_role("link", name=re.compile("Mon calendrier personnel")).click()
    await expect(page.get_by_text("Vous n'avez pas encore d'adresse de calendrier.")).to_have_count(
        1
    )
    await page.get_by_role("button", name="Créer l'adresse de mon calendrier").click()
    address = page.get_by_label("Adresse de votre calendrier")
    url = await address.input_value()
    assert "/api/agenda/calendar.ics?token=" in url
    await looker.look(page, "calendrier-adresse")
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        assert answer.status == 200
        events = Calendar.from_ical(await answer.read()).walk("VEVENT")
    assert [str(event["UID"]) for event in events] == [f"{asked}@agenda.prochorientation"]

    await page.reload()
    await expect(address).to_have_count(0)
    since = page.get_by_text(re.compile("Votre calendrier a une adresse depuis le"))
    await expect(since).to_be_visible()
    await page.get_by_role("button", name="Désactiver l'adresse").click()
    async with aiohttp.ClientSession() as http, http.get(url) as answer:
        assert answer.status == 404


async def visit_took_place(site: RunningSite, appointment_id: str) -> None:
    """Time passes: the appointment began two days ago and is over."""
    appointments = site.platform.mongo[site.settings.database_name("agenda")]["appointments"]
    starts_at = datetime.now(UTC) - timedelta(days=2)
    changed = await appointments.update_one(
        {"_id": appointment_id},
        {"$set": {"starts_at": starts_at, "ends_at": starts_at + timedelta(minutes=45)}},
    )
    assert changed.modified_count == 1


async def test_late_cancellation_is_warned_and_both_sides_rate_a_visit_that_took_place(
    page: Page, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff, elise = await api.demo("staff"), await api.demo("ambassador")
    tomorrow = await staff.solicit(in_days(1))
    held = await staff.solicit(in_days(30))
    for appointment_id in (tomorrow, held):
        await elise.call("POST", f"/agenda/appointments/{appointment_id}/accept")

    await sign_in_as(page, "staff")
    await page.goto(f"/agenda/rendez-vous/{tomorrow}")
    await page.get_by_role("link", name="Annuler le rendez-vous").click()
    await expect(page.get_by_text("Le rendez-vous a lieu dans moins de 48 heures.")).to_be_visible()
    await page.get_by_role("button", name="Annuler le rendez-vous").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif de l'annulation")
    await looker.look(page, "annuler-tard")
    await page.get_by_label("Motif de l'annulation").fill("La classe part en sortie ce jour-là.")
    await page.get_by_role("button", name="Annuler le rendez-vous").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Le rendez-vous est annulé. Un e-mail prévient Élise V."
    )
    await expect(page.locator(".tag").first).to_have_text("Annulé")
    await expect(
        page.get_by_text(
            "Annulé moins de 48 heures avant par le demandeur. "
            "Motif : La classe part en sortie ce jour-là."
        )
    ).to_be_visible()
    await expect(page.get_by_role("link", name="Annuler le rendez-vous")).to_have_count(0)

    await visit_took_place(site, held)
    await page.goto(f"/agenda/rendez-vous/{held}")
    await page.get_by_role("button", name="Envoyer mon avis").click()
    await expect(page.get_by_role("alert")).to_contain_text("Choisissez une note de 1 à 5.")
    await page.get_by_label("4", exact=True).check()
    await page.get_by_label("Commentaire").fill("Les élèves ont adoré la démonstration.")
    await page.get_by_role("button", name="Envoyer mon avis").click()
    await expect(page.get_by_role("status")).to_have_text("Merci, votre avis est enregistré.")
    await expect(
        page.get_by_text("4 sur 5 – « Les élèves ont adoré la démonstration. »")
    ).to_be_visible()
    await expect(page.get_by_role("button", name="Envoyer mon avis")).to_have_count(0)
    await looker.look(page, "avis-donne")

    # The ambassador reads the teacher's opinion and gives theirs.
    await page.context.clear_cookies()
    await sign_in_as(page, "ambassador")
    await page.goto(f"/agenda/rendez-vous/{held}")
    teacher_said = page.get_by_text("Les élèves ont adoré la démonstration.", exact=False)
    await expect(teacher_said).to_be_visible()
    await page.get_by_label("5 – très satisfait").check()
    await page.get_by_role("button", name="Envoyer mon avis").click()
    await expect(page.get_by_text("5 sur 5")).to_be_visible()
