"""« Messagerie » in a real browser, two people at once: the demo teacher (Paul E.) and
the demo ambassador (Élise V.), each in a browser context of their own.

A request made through the public API opens their conversation; from then on they
talk in the pages as people do, with JavaScript (new messages appear on the open page)
and without it (the same exchange with plain forms and links).
"""

from __future__ import annotations

import re
from datetime import datetime

from playwright.async_api import Browser, Locator, Page, expect

from shared.french import datetime_fr
from tests.web.api_people import Api, ApiPerson, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import sign_in_as
from tests.web.site import RunningSite

# « le mardi 15 décembre 2026 à 10 h 00 »: who wrote, and when, in French.
WHEN = re.compile(r", le [a-z]+ (1er|\d{1,2}) [a-zéû]+ \d{4} à \d{1,2} h \d{2}")
MASKING = re.compile("sont masqués pour .* tant que vous n'avez pas partagé vos coordonnées")


async def person_page(browser: Browser, site: RunningSite, role: str, *, javascript: bool) -> Page:
    """A signed-in demo person of ``role`` in a context of their own."""
    context = await new_context(browser, site, javascript=javascript)
    page = await context.new_page()
    await sign_in_as(page, role)
    return page


async def open_conversation(page: Page, conversation_id: str, with_whom: str) -> None:
    """From the menu to the conversation, as a person goes there."""
    await page.goto("/agenda")
    await (
        page.get_by_role("navigation", name="Menu principal")
        .get_by_role("link", name="Messagerie")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Messagerie")
    item = page.locator(".conversation-item").filter(has_text=with_whom).first
    await item.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(f"/messagerie/{conversation_id}$"))


async def send(page: Page, text: str, to: str) -> None:
    """Write and send a message with the reply form."""
    await page.get_by_label("Votre message").fill(text)
    await page.get_by_role("button", name="Envoyer le message").click()
    await expect(
        page.get_by_text(f"Votre message a été envoyé à {to}, qui le reçoit aussi par e-mail.")
    ).to_be_visible()


def messages(page: Page) -> Locator:
    """The conversation's messages, oldest first."""
    return page.get_by_role("list", name="Messages").get_by_role("listitem")


async def a_request(api: Api) -> tuple[ApiPerson, ApiPerson, str]:
    """The teacher asks Élise; both of them through the API, and the conversation's id."""
    staff, elise = await api.demo("staff"), await api.demo("ambassador")
    conversation_id = await staff.conversation_of(await staff.solicit(in_days(9)))
    return staff, elise, conversation_id


async def test_staff_and_ambassador_talk_both_ways_and_new_messages_appear_without_reload(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    _, _, conversation_id = await a_request(api)
    elise = await person_page(browser, site, "ambassador", javascript=True)
    teacher = await person_page(browser, site, "staff", javascript=True)

    await elise.goto("/messagerie")
    item = elise.locator(".conversation-item").filter(has_text="Paul E.")
    await expect(item).to_contain_text("1 message non lu")
    await looker.look(elise, "messagerie-ambassadrice")
    await open_conversation(elise, conversation_id, "Paul E.")
    await expect(messages(elise)).to_have_count(1)
    await expect(messages(elise).first).to_contain_text("Paul E.")
    await expect(messages(elise).first).to_contain_text(WHEN)
    await expect(elise.get_by_text(MASKING)).to_be_visible()
    # With JavaScript: a counter under the reply, and new messages come by themselves.
    await expect(elise.get_by_text("Il vous reste 5000 caractères.")).to_be_visible()
    await expect(elise.get_by_text("Les nouveaux messages s'affichent ici")).to_be_visible()
    await expect(elise.get_by_role("link", name="Actualiser")).to_be_hidden()
    await looker.look(elise, "conversation-ambassadrice")

    await open_conversation(teacher, conversation_id, "Élise V.")
    await teacher.evaluate("window.openedOnce = true")
    await looker.look(teacher, "conversation-equipe")

    await elise.get_by_label("Votre message").fill("Avec plaisir ! Appelez-moi")
    await expect(elise.get_by_text("Il vous reste 4974 caractères.")).to_be_visible()
    await send(elise, "Avec plaisir ! Appelez-moi au 06 12 34 56 78.", "Paul E.")
    await expect(elise.locator("#dernier-message")).to_contain_text("Vous")
    await expect(elise.locator("#dernier-message")).to_contain_text("06 12 34 56 78")
    await expect(elise.locator("#dernier-message")).to_contain_text(
        "masquées pour votre interlocuteur"
    )
    await looker.look(elise, "message-envoye")

    # On the teacher's open page, without reload: the number masked, and said so.
    arrived = messages(teacher).filter(has_text="Avec plaisir !")
    await expect(arrived).to_contain_text("Appelez-moi au [numéro masqué].")
    await expect(arrived).to_contain_text(WHEN)
    await expect(arrived).to_contain_text("son auteur ne les a pas partagées")
    await expect(teacher.get_by_text("06 12 34 56 78")).to_have_count(0)
    assert await teacher.evaluate("window.openedOnce === true"), "the page was reloaded"
    await expect(teacher.locator("#messages-news")).to_have_text("Nouveau message : Élise V.")
    await looker.look(teacher, "message-arrive")

    await elise.evaluate("window.openedOnce = true")
    await send(teacher, "Parfait, à bientôt.", "Élise V.")
    await expect(messages(elise).last).to_contain_text("Parfait, à bientôt.")
    await expect(messages(elise).last).to_contain_text("Paul E.")
    assert await elise.evaluate("window.openedOnce === true"), "the page was reloaded"
    # Oldest to newest.
    await expect(messages(elise)).to_have_count(3)
    await expect(messages(elise).nth(0)).to_contain_text("nos élèves de 3e")
    await expect(messages(elise).nth(1)).to_contain_text("Avec plaisir !")
    await looker.look(elise, "reponse-arrivee")

    # Seen on the open page: nothing left unread in the list.
    await elise.goto("/messagerie")
    await expect(elise.locator(".conversation-item").filter(has_text="Paul E.")).to_contain_text(
        "Tout est lu"
    )
    for opened in (elise, teacher):
        await opened.context.close()


async def test_the_same_exchange_works_without_javascript(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    _, _, conversation_id = await a_request(api)
    elise = await person_page(browser, site, "ambassador", javascript=False)
    teacher = await person_page(browser, site, "staff", javascript=False)

    await open_conversation(elise, conversation_id, "Paul E.")
    await expect(elise.get_by_text(MASKING)).to_be_visible()
    await expect(elise.get_by_role("link", name="Actualiser")).to_be_visible()
    await looker.look(elise, "conversation-sans-js")
    await elise.get_by_role("button", name="Envoyer le message").click()
    await expect(elise.get_by_role("alert")).to_contain_text("Écrivez votre message")
    await looker.look(elise, "conversation-erreur-sans-js")
    await send(elise, "Bonjour, joignable au 06 12 34 56 78.", "Paul E.")

    await open_conversation(teacher, conversation_id, "Élise V.")
    await expect(messages(teacher).last).to_contain_text("joignable au [numéro masqué].")
    await expect(teacher.get_by_text("06 12 34 56 78")).to_have_count(0)
    await looker.look(teacher, "conversation-equipe-sans-js")
    await send(teacher, "Merci, à jeudi.", "Élise V.")

    await elise.get_by_role("link", name="Actualiser pour voir les nouveaux messages").click()
    await expect(messages(elise).last).to_contain_text("Merci, à jeudi.")
    await expect(messages(elise).last).to_contain_text(WHEN)

    # Sharing, with its confirmation step, works with plain forms too.
    await elise.get_by_role("link", name="Partager mes coordonnées").click()
    await expect(elise.get_by_role("heading", level=1)).to_have_text("Partager mes coordonnées")
    await looker.look(elise, "partager-sans-js")
    await elise.get_by_role("button", name="Partager mes coordonnées").click()
    await expect(elise.get_by_text("Vos coordonnées sont partagées")).to_be_visible()
    await teacher.reload()
    await expect(
        teacher.get_by_text(re.compile("Élise V. a partagé ses coordonnées le"))
    ).to_be_visible()
    for opened in (elise, teacher):
        await opened.context.close()


async def test_ambassador_shares_contact_details_after_seeing_what_the_teacher_will_see(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    _, elise_api, conversation_id = await a_request(api)
    await elise_api.call("PATCH", "/accounts/me", {"phone": "0611223344"})
    elise = await person_page(browser, site, "ambassador", javascript=True)
    teacher = await person_page(browser, site, "staff", javascript=True)
    await open_conversation(teacher, conversation_id, "Élise V.")

    await open_conversation(elise, conversation_id, "Paul E.")
    await elise.get_by_role("link", name="Partager mes coordonnées").click()
    await expect(elise.get_by_role("heading", level=1)).to_have_text("Partager mes coordonnées")
    # Exactly what the teacher will read (the phone reaches messaging as an event).
    preview = elise.locator(".shared-preview")
    for _ in range(50):
        if "06 11 22 33 44" in (await preview.text_content() or ""):
            break
        await elise.wait_for_timeout(200)
        await elise.reload()
    await expect(preview).to_contain_text("Élise Voltaire-Démo vous communique ses coordonnées")
    await expect(preview).to_contain_text(re.compile(r"E-mail : electricienne@"))
    await expect(preview).to_contain_text("Téléphone : 06 11 22 33 44")
    await expect(elise.get_by_text("Une fois partagées")).to_be_visible()
    await looker.look(elise, "partager-confirmation")
    # Not shared until confirmed.
    await teacher.reload()
    await expect(teacher.get_by_text("a partagé ses coordonnées")).to_have_count(0)

    await elise.get_by_role("button", name="Partager mes coordonnées").click()
    await expect(elise.get_by_text("Vos coordonnées sont partagées")).to_be_visible()
    await expect(elise.get_by_text("Vous avez partagé vos coordonnées")).to_have_count(2)
    await expect(elise.get_by_role("link", name="Partager mes coordonnées")).to_have_count(0)
    await looker.look(elise, "coordonnees-partagees")

    # The teacher's open page shows it at once; the details are there after a reload.
    await expect(messages(teacher).last).to_contain_text("Élise V. a partagé ses coordonnées.")
    await teacher.reload()
    shared = teacher.locator(".banner").filter(
        has_text=re.compile("Élise V. a partagé ses coordonnées le")
    )
    await expect(shared).to_contain_text("Élise Voltaire-Démo")
    await expect(shared).to_contain_text("06 11 22 33 44")
    await expect(shared.get_by_role("link", name=re.compile("electricienne@"))).to_be_visible()
    await looker.look(teacher, "coordonnees-recues")

    # From now on what she writes is not masked for him.
    await send(elise, "Mon portable : 06 11 22 33 44", "Paul E.")
    await expect(messages(teacher).last).to_contain_text("Mon portable : 06 11 22 33 44")
    for opened in (elise, teacher):
        await opened.context.close()


async def test_a_referent_reads_along_and_a_closed_conversation_says_it_is_closed(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff = await api.demo("staff")
    appointment_id = await staff.solicit(in_days(9))
    conversation_id = await staff.conversation_of(appointment_id)
    referent = await person_page(browser, site, "referent", javascript=True)
    # From the request's page, where the referent follows it.
    await referent.goto(f"/agenda/rendez-vous/{appointment_id}")
    await referent.get_by_role("link", name="Lire la conversation").click()
    await expect(referent).to_have_url(re.compile(f"/messagerie/{conversation_id}$"))
    await expect(referent.get_by_text("nos élèves de 3e")).to_be_visible()

    # An administrator sees the request but takes no part in its conversation: no link
    # to it, and « Messagerie » is not a page of theirs.
    admin = await person_page(browser, site, "admin", javascript=True)
    await admin.goto(f"/agenda/rendez-vous/{appointment_id}")
    await expect(admin.get_by_role("heading", level=1)).to_contain_text("Sollicitation")
    await expect(admin.get_by_role("link", name="Lire la conversation")).to_have_count(0)
    await looker.look(admin, "demande-administrateur")
    # Back to where they came from, not to an agenda they do not have.
    await admin.get_by_role("link", name="Retour à la file de travail").click()
    await expect(admin).to_have_url(re.compile("/referents/file-de-travail$"))
    await expect(admin.get_by_role("heading", level=1)).not_to_have_text(
        "Cette page ne vous est pas ouverte"
    )
    answer = await admin.goto("/messagerie")
    assert answer is not None
    assert answer.status == 403
    await looker.look(admin, "messagerie-administrateur")
    await admin.context.close()

    await referent.goto("/messagerie")
    territory = referent.get_by_role("region", name="Conversations de mon territoire")
    await (
        territory.locator(".conversation-item")
        .filter(has_text="Élise V.")
        .first.get_by_role("link")
        .click()
    )
    await expect(referent).to_have_url(re.compile(f"/messagerie/{conversation_id}$"))
    await expect(referent.get_by_text("en tant que référent territorial")).to_be_visible()
    await expect(referent.get_by_text("nos élèves de 3e")).to_be_visible()
    await expect(referent.get_by_label("Votre message")).to_have_count(0)
    await expect(referent.get_by_role("link", name="Partager mes coordonnées")).to_have_count(0)
    await expect(referent.get_by_role("link", name="Clore la conversation")).to_have_count(0)
    await looker.look(referent, "conversation-referent")

    # The teacher closes it, after reading what that changes.
    teacher = await person_page(browser, site, "staff", javascript=True)
    await open_conversation(teacher, conversation_id, "Élise V.")
    await teacher.get_by_role("link", name="Clore la conversation").click()
    await expect(teacher.get_by_role("heading", level=1)).to_have_text("Clore la conversation")
    await expect(teacher.get_by_text("ne pourrez plus y écrire")).to_be_visible()
    await looker.look(teacher, "clore-la-conversation")
    await teacher.get_by_role("button", name="Clore la conversation").click()
    await expect(teacher.get_by_role("status")).to_contain_text("La conversation est close")
    await expect(teacher.get_by_label("Votre message")).to_have_count(0)
    answer = await teacher.goto(f"/messagerie/{conversation_id}/clore")
    assert answer is not None
    assert answer.status == 404
    await teacher.context.close()

    elise = await person_page(browser, site, "ambassador", javascript=True)
    await elise.goto("/messagerie")
    item = elise.locator(".conversation-item").filter(has_text="Paul E.")
    await expect(item.locator(".tag").filter(has_text="Close")).to_be_visible()
    await looker.look(elise, "messagerie-conversation-close")
    await open_conversation(elise, conversation_id, "Paul E.")
    # Since the moment the teacher closed it, not the closing planned after the visit.
    closed_at = (await staff.call("GET", f"/messaging/conversations/{conversation_id}"))[
        "closed_at"
    ]
    since = datetime_fr(datetime.fromisoformat(closed_at))
    await expect(
        elise.get_by_text(f"Cette conversation est close depuis le {since}")
    ).to_be_visible()
    await expect(elise.get_by_text("nos élèves de 3e")).to_be_visible()
    await expect(elise.get_by_role("heading", name="Répondre")).to_have_count(0)
    await expect(elise.get_by_label("Votre message")).to_have_count(0)
    await expect(elise.get_by_role("link", name="Partager mes coordonnées")).to_have_count(0)
    await looker.look(elise, "conversation-close")
    answer = await elise.goto(f"/messagerie/{conversation_id}/partager")
    assert answer is not None
    assert answer.status == 404
    for opened in (elise, referent):
        await opened.context.close()
