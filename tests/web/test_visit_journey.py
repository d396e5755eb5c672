"""A visit from the first search to the shared contact details: a teacher and an
ambassador, each in their own browser, with JavaScript and without it.

The teacher searches and solicits; the email reaches the ambassador, whose link opens
the request after signing in; she refuses with two other slots; the teacher takes one
in one click; both see it accepted; they talk both ways (a phone number typed in a
message is masked); she shares her details and the teacher sees them; the appointment
goes into her calendar as a file a real iCalendar library reads.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Locator, Page, expect

from shared.french import datetime_fr
from tests.web.api_people import in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, link_from_mail, sign_in
from tests.web.site import RunningSite
from tests.web.test_solicit_pages import fill_brief

ELISE_EMAIL, ELISE_PASSWORD = DEMO["ambassador"]
PAUL_EMAIL, PAUL_PASSWORD = DEMO["staff"]


def messages(page: Page) -> Locator:
    """The messages of the open conversation."""
    return page.get_by_role("list", name="Messages").get_by_role("listitem")


async def open_conversation(page: Page, subject_date: str) -> None:
    """From the menu to the conversation of the request."""
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Messagerie")
        .click()
    )
    await page.get_by_role("link", name=re.compile(re.escape(subject_date))).first.click()


async def post(page: Page, text: str) -> None:
    """Write a message in the open conversation."""
    await page.get_by_label("Votre message").fill(text)
    await page.get_by_role("button", name="Envoyer le message").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["avec-javascript", "sans-javascript"])
async def test_a_visit_from_the_search_to_the_shared_contact_details(
    browser: Browser, site: RunningSite, looker: Looker, javascript: bool
) -> None:
    teacher_context = await new_context(browser, site, javascript=javascript)
    ambassador_context = await new_context(browser, site, javascript=javascript)
    teacher, elise = await teacher_context.new_page(), await ambassador_context.new_page()

    # The teacher finds Élise and asks her for a class presentation.
    await sign_in(teacher, PAUL_EMAIL, PAUL_PASSWORD)
    await teacher.get_by_role("link", name="Trouver un ambassadeur").first.click()
    await teacher.get_by_label("Mots-clés").fill("électricienne")
    await teacher.get_by_role("button", name="Rechercher").click()
    await teacher.get_by_role("link", name="Élise V.", exact=True).click()
    await teacher.get_by_role("link", name="Solliciter Élise V.").click()
    asked_for = in_days(18, hour=10)
    await fill_brief(teacher, asked_for)
    await teacher.get_by_role("button", name="Continuer").click()
    await teacher.get_by_role("button", name="Envoyer la demande").click()
    await expect(teacher.get_by_role("heading", level=1)).to_have_text("Demande envoyée")
    await looker.look(teacher, "demande-envoyee")
    request_path = await teacher.get_by_role("link", name="Voir ma demande").get_attribute("href")
    assert request_path is not None

    # The email's link opens the request once she has signed in.
    link = await link_from_mail(site, ELISE_EMAIL, request_path)
    await elise.goto(link)
    await expect(elise).to_have_url(re.compile(r"/connexion\?suite="))
    await sign_in(elise, ELISE_EMAIL, ELISE_PASSWORD)
    await expect(elise).to_have_url(site.url(request_path))
    await expect(elise.get_by_role("heading", level=1)).to_have_text(
        f"Sollicitation : présentation en classe le {datetime_fr(asked_for)}"
    )

    # She cannot come that day: she says so and offers two other slots.
    first, second = in_days(19, hour=9), in_days(20, hour=14)
    await elise.get_by_label("Message personnel").fill("Je suis en formation ce jour-là.")
    await elise.get_by_label("Date du créneau 1").fill(first.date().isoformat())
    await elise.get_by_label("Heure").nth(0).fill("09:00")
    await elise.get_by_label("Date du créneau 2").fill(second.date().isoformat())
    await elise.get_by_label("Heure").nth(1).fill("14:00")
    await elise.get_by_role("button", name="Refuser").click()
    await expect(elise.get_by_role("status")).to_have_text("Votre réponse a été envoyée à Paul E.")
    await looker.look(elise, "refusee-avec-creneaux")

    # The teacher takes the second slot in one click: the visit is accepted.
    await teacher.goto(request_path.removesuffix("/envoyee"))
    await teacher.get_by_role("button", name=f"Retenir ce créneau du {datetime_fr(second)}").click()
    await expect(teacher.locator(".tag").first).to_have_text("Accepté")
    for person in (teacher, elise):
        await person.goto("/agenda")
        visit = person.locator(".appointment-item").filter(has_text=datetime_fr(second))
        await expect(visit).to_contain_text("Accepté")
    await looker.look(elise, "agenda-accepte")

    # They talk, both ways; a phone number typed by the teacher is masked for Élise.
    subject_date = datetime_fr(second).split(" à ")[0]
    await open_conversation(teacher, subject_date)
    await open_conversation(elise, subject_date)
    await post(teacher, "Bonjour ! Vous pouvez me joindre au 06 12 34 56 78.")
    if javascript:  # it appears on her open page without reloading
        await expect(messages(elise).last).to_contain_text("au [numéro masqué].")
    else:
        await elise.reload()
        await expect(messages(elise).last).to_contain_text("au [numéro masqué].")
    await expect(elise.get_by_text("06 12 34 56 78")).to_have_count(0)
    await post(elise, "Merci, je viendrai avec mes outils.")
    if not javascript:
        await teacher.reload()
    await expect(messages(teacher).last).to_contain_text("Merci, je viendrai avec mes outils.")
    await looker.look(teacher, "conversation")

    # She shares her details after seeing what he will see; he sees them.
    await elise.get_by_role("link", name="Partager mes coordonnées").click()
    await expect(elise.get_by_role("heading", level=1)).to_have_text("Partager mes coordonnées")
    await elise.get_by_role("button", name="Partager mes coordonnées").click()
    await teacher.reload()
    shared = teacher.get_by_text(re.compile("Élise V. a partagé ses coordonnées")).first
    await expect(shared).to_be_visible()
    await expect(teacher.get_by_role("link", name=ELISE_EMAIL)).to_be_visible()

    # The appointment goes into her calendar.
    await elise.goto("/agenda")
    await (
        elise.locator(".appointment-item")
        .filter(has_text=datetime_fr(second))
        .get_by_role("link")
        .click()
    )
    async with elise.expect_download() as download_info:
        await elise.get_by_role("link", name=re.compile("Ajouter à mon calendrier")).click()
    [event] = Calendar.from_ical((await (await download_info.value).path()).read_bytes()).walk(
        "VEVENT"
    )
    assert event.decoded("DTSTART") == second
    assert urlsplit(str(event["URL"])).path.startswith("/agenda/rendez-vous/")
    await teacher_context.close()
    await ambassador_context.close()
