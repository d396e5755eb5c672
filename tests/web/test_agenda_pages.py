"""« Agenda » and « Trouver un ambassadeur »: the pages the emails link to, with real data.

Requests and calls are created through the public API as the demo people; the pages
are then read and used in the browser as those people would.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Browser, Page, expect

from services.accounts.demo import DEMO_ACCOUNTS
from services.web.domain.agenda import history, next_step, side_of, slots_to_take
from services.web.domain.directory import directory_search
from shared.french import datetime_fr
from tests.web.api_people import Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, sign_in, sign_in_as
from tests.web.site import RunningSite

HUGO_EMAIL, HUGO_PASSWORD = next(
    (email, password) for _, email, password in DEMO_ACCOUNTS if email.startswith("etudiant")
)
NADIA_EMAIL, NADIA_PASSWORD = next(
    (email, password) for _, email, password in DEMO_ACCOUNTS if email.startswith("formatrice")
)


async def test_ambassador_reads_a_solicitation_and_answers_it(
    page: Page, api: Api, looker: Looker
) -> None:
    staff = await api.demo("staff")
    first = in_days(10)
    to_accept = await staff.solicit(first)
    to_refuse = await staff.solicit(in_days(12, hour=14), topic="Les chantiers de rénovation")

    await sign_in_as(page, "ambassador")
    await page.goto("/agenda")
    await expect(page.get_by_role("heading", name="Agenda", level=1)).to_be_visible()
    notifications = page.get_by_role("region", name=re.compile("Notifications"))
    await expect(notifications.get_by_text("Nouveau")).to_have_count(2)
    await expect(
        notifications.get_by_role("link", name=re.compile("Nouvelle sollicitation de Paul E."))
    ).to_have_count(2)
    rendezvous = page.get_by_role("region", name="Rendez-vous")
    await expect(rendezvous.get_by_role("link", name="RDV à venir")).to_have_attribute(
        "aria-current", "page"
    )
    items = rendezvous.get_by_role("listitem").filter(has_text="Demandé par Paul E.")
    await expect(items).to_have_count(2)
    # Soonest first, each with its date in words and its status as words.
    await expect(items.first).to_contain_text(datetime_fr(first))
    await expect(items.first).to_contain_text("En attente de réponse")
    await looker.look(page, "agenda-ambassadeur")

    await items.first.get_by_role("link").click()
    await expect(page).to_have_url(re.compile(f"/agenda/rendez-vous/{to_accept}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Sollicitation : présentation en classe le {datetime_fr(first)}"
    )
    for shown in (
        "Les métiers de l'électricité",
        "Vidéoprojecteur",
        "45 minutes",
        "3e, 28 élèves",
        "Lycée du Faubourg",
        "Paul E. (équipe éducative)",
        "Une sollicitation ne doit pas rester sans réponse.",
    ):
        await expect(page.get_by_text(shown, exact=False).first).to_be_visible()
    await looker.look(page, "sollicitation")

    await page.get_by_label("Message pour Paul E.").fill("Avec plaisir, j'apporte des outils.")
    await page.get_by_role("button", name="Accepter").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Votre acceptation a été envoyée à Paul E."
    )
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Rendez-vous")
    await expect(page.locator(".tag").first).to_have_text("Accepté")
    await expect(page.get_by_text("Acceptée par Élise V.")).to_be_visible()
    await expect(page.get_by_text("« Avec plaisir, j'apporte des outils. »")).to_be_visible()
    await expect(page.get_by_role("button", name="Refuser")).to_have_count(0)
    await looker.look(page, "rendez-vous-accepte")

    await page.goto(f"/agenda/rendez-vous/{to_refuse}")
    await page.get_by_label("Message personnel").fill("Je suis en formation ce jour-là.")
    await page.get_by_role("button", name="Refuser").click()
    await expect(page.get_by_role("status")).to_have_text("Votre réponse a été envoyée à Paul E.")
    await expect(page.locator(".tag").first).to_have_text("Refusé")

    await page.goto("/agenda")
    await page.get_by_role("button", name="Tout marquer comme lu").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Vos notifications sont marquées comme lues."
    )
    await expect(page.get_by_text("Nouveau")).to_have_count(0)
    await page.get_by_role("link", name="RDV passés").click()
    await expect(page).to_have_url(re.compile(r"/agenda\?vue=passes$"))
    await expect(page.get_by_text("Aucun rendez-vous passé.")).to_be_visible()
    await looker.look(page, "agenda-rdv-passes")


async def test_staff_retains_a_slot_the_ambassador_proposed(
    page: Page, api: Api, looker: Looker
) -> None:
    await sign_in_as(page, "staff")
    await page.goto("/agenda")
    await expect(page.get_by_text("Aucun rendez-vous à venir.")).to_be_visible()
    await expect(page.get_by_role("link", name="Trouver un ambassadeur").last).to_have_attribute(
        "href", "/ambassadeurs"
    )
    await looker.look(page, "agenda-equipe-vide")

    staff, elise = await api.demo("staff"), await api.demo("ambassador")
    asked = await staff.solicit(in_days(9))
    slots = [in_days(15, hour=9), in_days(16, hour=11)]
    await elise.call(
        "POST",
        f"/agenda/appointments/{asked}/refuse",
        {
            "message": "Pas ce jour-là, mais ces créneaux me vont.",
            "alternative_slots": [
                {"starts_at": slot.isoformat(), "duration_minutes": 45} for slot in slots
            ],
        },
    )

    await page.goto("/agenda")
    item = page.get_by_role("listitem").filter(has_text="Avec Élise V.")
    await expect(item).to_contain_text("Refusé")
    await item.get_by_role("link").click()
    await expect(page.get_by_text("Élise V. vous propose d'autres créneaux")).to_be_visible()
    await expect(page.get_by_text("« Pas ce jour-là, mais ces créneaux me vont. »")).to_be_visible()
    await looker.look(page, "refus-avec-creneaux")

    await page.get_by_role("button", name=f"Retenir ce créneau du {datetime_fr(slots[1])}").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Créneau retenu : le rendez-vous est accepté."
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Rendez-vous : présentation en classe le {datetime_fr(slots[1])}"
    )
    await expect(page.locator(".tag").first).to_have_text("Accepté")
    await looker.look(page, "creneau-retenu")
    await page.get_by_role("link", name="Voir la sollicitation d'origine").click()
    await expect(page.get_by_text("Créneau retenu", exact=True)).to_be_visible()
    await expect(page.get_by_role("button", name=re.compile("Retenir ce créneau"))).to_have_count(0)


async def test_invited_ambassador_takes_a_place_at_an_event(
    page: Page, api: Api, looker: Looker
) -> None:
    hugo = await api.person(HUGO_EMAIL, HUGO_PASSWORD)
    await hugo.call("PATCH", "/accounts/me", {"zone": {"departments": ["80", "59"], "bassins": []}})
    staff = await api.demo("staff")
    starts_at = in_days(20, hour=9)

    published: dict[str, Any] = {}
    for attempt in range(50):  # the zone reaches agenda as an event: wait until Hugo is invited
        published = await staff.call(
            "POST",
            "/agenda/calls",
            {
                "title": "Forum des métiers" + (f" ({attempt + 1})" if attempt else ""),
                "event_type": "forum",
                "starts_at": starts_at.isoformat(),
                "duration_minutes": 180,
                "audience": {"level": "Seconde", "group_size": 150},
                "description": "Un stand par ambassadeur, dans le gymnase.",
                "places": 3,
            },
            status=201,
        )
        invited = await hugo.call("GET", "/agenda/calls")
        if any(item["id"] == published["id"] for item in invited["items"]):
            break
    call_id = published["id"]

    await sign_in(page, HUGO_EMAIL, HUGO_PASSWORD)
    await page.goto("/agenda/appels")
    await expect(page.get_by_role("heading", name="Appels à participation")).to_be_visible()
    card = page.get_by_role("listitem").filter(
        has=page.get_by_role("link", name=published["title"])
    )
    await expect(card).to_contain_text("Places disponibles")
    await expect(card).to_contain_text(f"Forum le {datetime_fr(starts_at)}")
    await looker.look(page, "appels")

    await card.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(published["title"])
    await expect(page.get_by_text("3 places libres sur 3")).to_be_visible()
    await looker.look(page, "appel")
    await page.get_by_role("button", name="Je participe").click()
    await expect(page.get_by_role("status")).to_contain_text("Votre place est réservée")
    await expect(page.get_by_text("Vous participez")).to_be_visible()
    await page.get_by_role("link", name="Voir le rendez-vous").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Rendez-vous : forum, salon ou portes ouvertes"
    )

    await page.context.clear_cookies()
    await sign_in_as(page, "staff")
    await page.goto(f"/agenda/appels/{call_id}")
    await expect(
        page.get_by_role("listitem").filter(has_text="Hugo I., inscrit le")
    ).to_be_visible()
    await looker.look(page, "appel-organisateur")


async def test_staff_publishes_a_call_for_their_establishment_and_the_admin_closes_it(
    page: Page, browser: Browser, site: RunningSite, looker: Looker
) -> None:
    await sign_in_as(page, "staff")
    await page.goto("/agenda/appels")
    await page.get_by_role("link", name="Publier un appel à participation").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publier un appel à participation"
    )
    # A member of an educational team publishes for their own establishment only.
    hosting = page.get_by_text("Établissement qui accueille : Lycée du Faubourg")
    await expect(hosting).to_be_visible()
    await expect(page.get_by_label(re.compile("Code UAI"))).to_have_count(0)
    await page.get_by_role("button", name="Publier l'appel").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez le nom de l'événement")
    await looker.look(page, "appel-erreur")
    starts_at = in_days(25, hour=14)
    await page.get_by_label("Nom de l'événement").fill("Portes ouvertes du lycée")
    await page.get_by_label("Portes ouvertes").check()
    await page.get_by_label("Jour").fill(starts_at.date().isoformat())
    await page.get_by_label("Heure de début").fill("14:00")
    await page.get_by_label("Niveau des élèves").fill("3e")
    await page.get_by_label("Nombre d'élèves attendus").fill("60")
    await page.get_by_label("Nombre d'ambassadeurs attendus").fill("4")
    await page.get_by_role("button", name="Publier l'appel").click()
    # The one demo ambassador whose zone covers Lille takes no events: the banner says so.
    await expect(page.get_by_role("status")).to_contain_text(
        "L'appel « Portes ouvertes du lycée » est publié. Aucun ambassadeur de la zone"
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text("Portes ouvertes du lycée")
    await expect(page.get_by_text(datetime_fr(starts_at))).to_be_visible()
    await expect(page.get_by_text(re.compile("^Lycée du Faubourg, "))).to_be_visible()
    await expect(page.get_by_text(re.compile(r"^Paul E\. \(équipe éducative\)"))).to_be_visible()
    await looker.look(page, "appel-publie")
    call_path = page.url.removeprefix(site.base_url)

    # The administrator sees every call of the region and may close one, not publish.
    admin = await (await new_context(browser, site)).new_page()
    await sign_in_as(admin, "admin")
    await admin.goto("/admin")
    await admin.get_by_role("link", name="Appels à participation de la région").click()
    tools = admin.get_by_role("navigation", name="Outils du référent")
    await expect(tools.get_by_role("link", name="Appels à participation")).to_have_attribute(
        "aria-current", "page"
    )
    await expect(admin.get_by_role("link", name=re.compile("Publier un appel"))).to_have_count(0)
    await looker.look(admin, "appels-de-la-region")
    await admin.get_by_role("link", name="Portes ouvertes du lycée").click()
    await admin.get_by_role("button", name="Clore l'appel").click()
    await expect(admin.get_by_role("status")).to_contain_text("est clos : plus personne")
    answer = await admin.goto("/agenda/appels/nouveau")
    assert answer is not None
    assert answer.status == 403
    await admin.context.close()

    await page.goto(call_path)
    await expect(page.get_by_text("Statut : Clos")).to_be_visible()


async def test_staff_finds_an_ambassador_and_reads_the_public_page(
    page: Page, looker: Looker
) -> None:
    await sign_in_as(page, "staff")
    await page.goto("/ambassadeurs")
    await expect(page.get_by_role("heading", name="Trouver un ambassadeur")).to_be_visible()
    await expect(page.get_by_role("heading", name="3 ambassadeurs trouvés")).to_be_visible()
    await looker.look(page, "annuaire")

    await page.get_by_label("Mots-clés").fill("électricienne")
    await page.get_by_label("Département").select_option(label="Nord")
    await page.get_by_label("Type d'intervention").select_option(label="Présentation en classe")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page).to_have_url(re.compile(r"/ambassadeurs\?mots=.*departement=59"))
    await expect(page.get_by_label("Mots-clés")).to_have_value("électricienne")
    cards = page.locator(".ambassador-card")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text(
        "Électricienne en bâtiment (Bâtiment et travaux publics)"
    )
    await expect(cards.first).to_contain_text("bassin Lille Centre")
    await looker.look(page, "annuaire-resultats")

    await page.get_by_label("Mots-clés").fill("astronaute")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(page.get_by_role("heading", name="Aucun ambassadeur trouvé")).to_be_visible()
    await expect(page.get_by_text("Essayez avec moins de mots")).to_be_visible()
    await looker.look(page, "annuaire-vide")

    # Online: Nadia, in the Pas-de-Calais, also meets pupils by video.
    await page.get_by_label("Mots-clés").fill("")
    await page.get_by_label("En présentiel ou à distance").select_option("online")
    await page.get_by_label("Département").select_option("")
    await page.get_by_role("button", name="Rechercher").click()
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text("Nadia")
    await expect(cards.first).to_contain_text("et à distance")

    await page.goto("/ambassadeurs?departement=99")
    await expect(page.get_by_role("alert")).to_contain_text(
        "Choisissez un département dans la liste."
    )

    await page.goto("/ambassadeurs?mots=électricienne")
    await page.get_by_role("link", name="Élise V.", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Élise V.")
    for shown in ("Électricienne en bâtiment", "Entreprise Fictive d'Électricité", "Lille (Nord)"):
        await expect(page.get_by_text(shown).first).to_be_visible()
    await expect(page.get_by_text("@")).to_have_count(1)  # only the footer's contact address
    await looker.look(page, "ambassadeur")

    await page.goto("/ambassadeurs/inconnu")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")


async def test_pages_ask_to_sign_in_and_hide_what_is_not_yours(
    page: Page, api: Api, site: RunningSite, looker: Looker
) -> None:
    asked = await (await api.demo("staff")).solicit(in_days(11))

    answer = await page.goto(f"/agenda/rendez-vous/{asked}")
    assert answer is not None
    await expect(page).to_have_url(site.url(f"/connexion?suite=%2Fagenda%2Frendez-vous%2F{asked}"))
    email, password = DEMO["ambassador"]
    await sign_in(page, email, password)
    await expect(page).to_have_url(site.url(f"/agenda/rendez-vous/{asked}"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Sollicitation")

    await page.goto("/agenda/rendez-vous/inconnu")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    await looker.look(page, "rendez-vous-introuvable")
    await page.goto("/agenda/appels")
    await expect(page.get_by_text("Aucun appel à participation pour l'instant.")).to_be_visible()
    await page.goto("/agenda/appels/inconnu")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    await page.goto("/ambassadeurs")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cette page ne vous est pas ouverte"
    )

    # Another ambassador: the request is not theirs, as if it did not exist.
    await page.context.clear_cookies()
    await sign_in(page, NADIA_EMAIL, NADIA_PASSWORD)
    await page.goto(f"/agenda/rendez-vous/{asked}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    await page.goto("/agenda")
    await expect(page.get_by_text("Aucun rendez-vous à venir.")).to_be_visible()
    await looker.look(page, "agenda-ambassadeur-vide")

    # The referent of the territory follows it, without the ambassador's answer forms.
    await page.context.clear_cookies()
    await sign_in_as(page, "referent")
    await page.goto("/agenda")
    await page.get_by_role("link", name=re.compile("Présentation en classe")).click()
    await expect(page.get_by_text("Élise V., Électricienne en bâtiment")).to_be_visible()
    await expect(page.get_by_text("Paul E. (équipe éducative)")).to_be_visible()
    await expect(page.get_by_role("button", name="Accepter")).to_have_count(0)
    await looker.look(page, "sollicitation-referent")


async def test_ambassador_answers_without_javascript(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    asked = await (await api.demo("staff")).solicit(in_days(13))
    context = await new_context(browser, site, javascript=False)
    page = await context.new_page()
    await sign_in_as(page, "ambassador")
    await page.goto(f"/agenda/rendez-vous/{asked}")
    await page.get_by_role("button", name="Accepter").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Votre acceptation a été envoyée à Paul E."
    )
    await expect(page.get_by_text("Acceptée par Élise V.")).to_be_visible()
    await looker.look(page, "accepte-sans-javascript")

    # Answered meanwhile (from another device): the stale form says where it stands.
    other = await (await api.demo("staff")).solicit(in_days(14))
    await page.goto(f"/agenda/rendez-vous/{other}")
    elise = await api.demo("ambassador")
    await elise.call("POST", f"/agenda/appointments/{other}/refuse", {})
    await page.get_by_role("button", name="Accepter").click()
    await expect(page.locator(".banner--error")).to_be_visible()
    await expect(page.locator(".tag").first).to_have_text("Refusé")
    await context.close()


# --- the pure helpers behind the pages ------------------------------------------------


def _appointment(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "status": "pending",
        "ambassador": {"id": "a1", "name": "Élise V."},
        "requester": {"id": "s1", "name": "Paul E."},
        "created_at": "2026-12-01T09:00:00+01:00",
        "updated_at": "2026-12-01T09:00:00+01:00",
        "starts_at": "2026-12-15T10:00:00+01:00",
        "ends_at": "2026-12-15T10:45:00+01:00",
        "answer": None,
        "cancellation": None,
        "taken_from": None,
        "taken_as": None,
        "alternative_slots": [],
        "feedback": {},
    }
    return {**base, **changes}


def test_history_tells_what_happened_in_order_without_double_full_stops() -> None:
    refused = _appointment(
        status="refused",
        answer={"message": None, "answered_at": "2026-12-02T08:00:00+01:00"},
        alternative_slots=[{"index": 0, "taken": False}, {"index": 1, "taken": False}],
    )
    assert [happening.text for happening in history(refused)] == [
        "Sollicitation envoyée par Paul E.",
        "Refusée par Élise V.",
    ]
    assert side_of(refused, "s1") == "requester"
    assert slots_to_take(refused, "requester") == [0, 1]
    assert slots_to_take(refused, "observer") == []
    assert slots_to_take({**refused, "taken_as": "other"}, "requester") == []
    assert next_step(_appointment(), "observer") == "Élise V. n'a pas encore répondu."


def test_directory_search_keeps_known_filters_and_names_the_wrong_ones() -> None:
    places = {"sectors": ["numerique"], "departments": ["59", "62"], "bassins": ["lille-est"]}
    search = directory_search({"mots": " BTS ", "departement": "59", "curseur": "abc"}, **places)
    assert search.params == {"q": "BTS", "department": "59", "cursor": "abc"}
    assert search.page() == "/ambassadeurs?mots=BTS&departement=59"
    assert search.page("xyz").endswith("&curseur=xyz")
    wrong = directory_search({"departement": "99", "intervention": "cours"}, **places)
    assert wrong.errors == {
        "departement": "Choisissez un département dans la liste.",
        "intervention": "Choisissez un type d'intervention dans la liste.",
    }
    assert directory_search({}, **places).page() == "/ambassadeurs"
