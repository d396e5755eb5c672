"""The referents' tools in a real browser: the work queue, the extract checked in the
page, the redirection of an escalated request, suspension, open calls and the figures.

Data are made through the public API as the demo people would make them; the referent
then works in the browser. Every page visited is checked with axe-core at 1280 and
375 px and photographed (``Looker``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import date, datetime
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect

from shared.settings import Settings
from tests.accounts.conftest import MINIMAL_PDF
from tests.accounts.conftest import ambassador as ambassador_body
from tests.web.api_people import ELISE, Api, ApiPerson, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, PASSWORD, link_from_mail, new_ambassador, sign_in, sign_in_as
from tests.web.site import RunningSite, site_running

ELODIE = "elodie.extrait@example.org"


@pytest_asyncio.fixture
async def hasty_site(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[RunningSite]:
    """The platform where an unanswered request is escalated after two seconds."""
    async with site_running(
        make_settings, tmp_path, reminder_after_seconds=1, escalate_after_seconds=2
    ) as running:
        yield running


async def _sends_extract(site: RunningSite, api: Api, email: str) -> ApiPerson:
    await new_ambassador(site, email)
    person = await api.person(email)
    form = aiohttp.FormData()
    form.add_field("document", MINIMAL_PDF, filename="casier.pdf", content_type="application/pdf")
    await person.call("POST", "/accounts/me/criminal-record", data=form, status=202)
    return person


async def _searchable(referent: ApiPerson, name: str, *, listed: bool = True) -> None:
    """Wait until the directory (and agenda's copy) lists, or no longer lists, ``name``."""
    async with asyncio.timeout(15):
        while True:
            found = await referent.call("GET", "/accounts/ambassadors?department=59")
            names = {f"{item['first_name']} {item['last_initial']}" for item in found["items"]}
            if (name in names) == listed:
                return
            await asyncio.sleep(0.1)


async def test_referent_validates_an_extract_read_in_the_page_then_redirects_an_escalated_request(
    browser: Browser, hasty_site: RunningSite, looker: Looker
) -> None:
    site = hasty_site
    async with aiohttp.ClientSession() as http:
        api = Api(site, http)
        elodie = (await (await _sends_extract(site, api, ELODIE)).call("GET", "/accounts/me"))["id"]
        referent_api = await api.demo("referent")

        page = await (await new_context(browser, site)).new_page()
        await sign_in_as(page, "referent")
        await page.goto("/referents/file-de-travail")
        records = page.get_by_role("region", name=re.compile("Extraits de casier judiciaire"))
        await records.get_by_role("link", name="Vérifier l'extrait de Élodie M.").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Extrait de casier judiciaire de Élodie M."
        )
        frame = page.locator("iframe.record-frame")
        await expect(frame).to_have_attribute("title", re.compile("Élodie M."))
        shown = await page.context.request.get(str(await frame.get_attribute("src")))
        assert shown.status == 200
        assert shown.headers["content-type"] == "application/pdf"
        assert shown.headers["content-disposition"].startswith("inline")
        assert await shown.body() == MINIMAL_PDF
        await looker.look(page, "extrait")

        # Refusing needs a reason the ambassador will read.
        await page.get_by_role("button", name="Refuser").click()
        await expect(page.get_by_role("alert")).to_contain_text("Indiquez pourquoi")
        await looker.look(page, "extrait-erreur")
        await page.get_by_role("button", name="Valider").click()
        await expect(
            page.get_by_text(re.compile("L'extrait de Élodie M. est validé"))
        ).to_contain_text("valable jusqu'au")
        await looker.look(page, "extrait-valide")
        await _searchable(referent_api, "Élodie M.")

        # A request to Élise goes unanswered and is escalated with Élodie suggested.
        staff = await api.demo("staff")
        stuck = await staff.solicit(in_days(9))
        async with asyncio.timeout(20):
            while True:
                queue = await referent_api.call("GET", "/agenda/work-queue")
                escalated = {item["appointment_id"]: item for item in queue["escalated"]["items"]}
                if stuck in escalated and escalated[stuck]["suggestions"]:
                    break
                await asyncio.sleep(0.2)
        # The escalation email's links open pages for the referent.
        referent_email = DEMO["referent"][0]
        for path in (f"/agenda/rendez-vous/{stuck}", f"/ambassadeurs/{elodie}"):
            link = await link_from_mail(site, referent_email, path)
            answer = await page.goto(link)
            assert answer is not None
            assert answer.status == 200, path
        await page.goto("/referents/file-de-travail")
        region = page.get_by_role("region", name=re.compile("Sollicitations signalées"))
        row = region.get_by_role("row").filter(has_text="Lycée du Faubourg")
        await expect(row).to_contain_text("Élodie M.")
        await looker.look(page, "file-de-travail-signalee")
        await row.get_by_role("button", name=re.compile("Adresser à Élodie M.")).click()
        await expect(page.get_by_text("La demande a été adressée à Élodie M.")).to_be_visible()
        await looker.look(page, "demande-redirigee")
        # The new request and the escalated one point to each other.
        redirected = page.url
        await page.get_by_role("link", name="Voir la sollicitation d'origine").click()
        await expect(
            page.get_by_text("a adressé cette demande à un autre ambassadeur")
        ).to_be_visible()
        await looker.look(page, "demande-d-origine")
        await page.get_by_role("link", name="Voir la nouvelle sollicitation").click()
        await expect(page).to_have_url(redirected)

        link = await link_from_mail(site, ELODIE, page.url.removeprefix(site.base_url))
        assert link.endswith(page.url.removeprefix(site.base_url))
        await page.context.close()


async def test_referent_sees_the_work_queue_the_ambassadors_and_the_figures(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    staff = await api.demo("staff")
    await staff.solicit(in_days(8))
    await _sends_extract(site, api, ELODIE)

    await sign_in_as(page, "referent")
    await page.goto("/referents/file-de-travail")
    await expect(page.get_by_role("heading", level=1)).to_have_text("File de travail")
    pending = page.get_by_role("region", name=re.compile("Sollicitations sans réponse"))
    asked = pending.get_by_role("row").filter(has_text="Lycée du Faubourg")
    await expect(asked).to_have_count(1)
    await expect(asked).to_contain_text("moins d'une heure")
    records = page.get_by_role("region", name=re.compile("Extraits de casier judiciaire"))
    await expect(records.get_by_role("row").filter(has_text="Élodie M.")).to_contain_text(
        "Premier contrôle"
    )
    await looker.look(page, "file-de-travail")

    tools = page.get_by_role("navigation", name="Outils du référent")
    await tools.get_by_role("link", name="Ambassadeurs", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Ambassadeurs du territoire")
    await expect(page.get_by_role("row").filter(has_text="Élise")).to_contain_text("Sollicitable")
    waiting = page.get_by_role("row").filter(has_text="Élodie M.")
    await expect(waiting).to_contain_text("En attente de vérification")
    await expect(waiting).to_contain_text("Non sollicitable")
    await looker.look(page, "ambassadeurs-du-territoire")
    filters = page.get_by_role("navigation", name="Filtrer les ambassadeurs")
    await filters.get_by_role("link", name="Extrait à vérifier").click()
    await expect(page.get_by_role("row").filter(has_text="Élise")).to_have_count(0)
    await expect(page.get_by_role("row").filter(has_text="Élodie M.")).to_have_count(1)

    await tools.get_by_role("link", name="Statistiques", exact=True).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Statistiques")
    today = date.today()
    await page.get_by_label("Premier jour").fill(today.replace(month=12, day=31).isoformat())
    await page.get_by_label("Dernier jour").fill(today.replace(month=1, day=1).isoformat())
    await page.get_by_role("button", name="Afficher").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez un dernier jour après")
    await looker.look(page, "statistiques-erreur")

    # The tools are the referents' and administrators' only.
    ambassador = await (await new_context(browser, site)).new_page()
    await sign_in_as(ambassador, "ambassador")
    for path in (
        "/referents/file-de-travail",
        "/referents/statistiques",
        "/referents/statistiques/graphiques/mois.svg",
        f"/referents/extraits/{ELISE}",
        "/referents/appels/nouveau",  # the former address, which leads to the next one
        "/agenda/appels/nouveau",
        "/admin",
        "/partenaires",
    ):
        answer = await ambassador.goto(path)
        assert answer is not None
        assert answer.status == 403, path
    await ambassador.context.close()


async def test_referent_sees_the_extracts_to_renew_in_the_work_queue(
    browser: Browser,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    looker: Looker,
) -> None:
    # Renewal asked from the first day on: the demo ambassador's check is due at once.
    monkeypatch.setenv("ACCOUNTS_RECORD_RENEWAL_NOTICE_DAYS", str(3 * 365 + 1))
    async with site_running(make_settings, tmp_path) as site:
        page = await (await new_context(browser, site)).new_page()
        await sign_in_as(page, "referent")
        await page.goto("/referents/file-de-travail")
        renewals = page.get_by_role("region", name=re.compile("Renouvellements d'extraits"))
        row = renewals.get_by_role("row").filter(has_text="Élise V.")
        await expect(row).to_contain_text("Se termine bientôt")
        await expect(row).to_contain_text("valable jusqu'au")
        await looker.look(page, "file-de-travail-renouvellements")

        await page.goto("/referents/ambassadeurs")
        filters = page.get_by_role("navigation", name="Filtrer les ambassadeurs")
        await filters.get_by_role("link", name="Extrait à renouveler").click()
        await expect(page.get_by_role("row").filter(has_text="Élise V.")).to_have_count(1)
        await looker.look(page, "ambassadeurs-extrait-a-renouveler")
        await page.context.close()


async def test_referent_suspends_an_ambassador_with_a_reason_and_lifts_it(
    page: Page, api: Api, looker: Looker
) -> None:
    referent_api = await api.demo("referent")
    await sign_in_as(page, "referent")
    await page.goto("/referents/ambassadeurs")
    row = page.get_by_role("row").filter(has_text="Élise")
    await row.get_by_role("link", name="Suspendre Élise V.").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Suspendre Élise V.")
    await page.get_by_role("button", name="Suspendre").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez le motif")
    await looker.look(page, "suspendre-erreur")
    await page.get_by_label("Motif de la suspension").fill("Absences répétées sans prévenir")
    await page.get_by_role("button", name="Suspendre").click()
    await expect(page.get_by_text("Élise V. est suspendu")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Élise")
    await expect(row).to_contain_text("Suspendu")
    await expect(row).to_contain_text("Absences répétées sans prévenir")
    await looker.look(page, "ambassadeur-suspendu")
    await _searchable(referent_api, "Élise V.", listed=False)

    await row.get_by_role("button", name="Lever la suspension de Élise V.").click()
    await expect(page.get_by_text("La suspension de Élise V. est levée")).to_be_visible()
    await expect(page.get_by_role("row").filter(has_text="Élise")).to_contain_text("Sollicitable")
    await _searchable(referent_api, "Élise V.")


async def test_referent_publishes_an_open_call_that_an_ambassador_takes(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    # An ambassador of the Nord who comes to events, checked.
    email = "gaspard.forum@example.org"
    async with api.http.post(
        site.url("/api/accounts/ambassadors"),
        json=ambassador_body(
            email=email,
            first_name="Gaspard",
            interventions=["class_presentation", "event"],
            zone={"departments": ["59"], "bassins": []},
        ),
    ) as answer:
        assert answer.status == 201, await answer.text()
    await api.activate(email)
    gaspard = await api.person(email)
    form = aiohttp.FormData()
    form.add_field("document", MINIMAL_PDF, filename="casier.pdf", content_type="application/pdf")
    await gaspard.call("POST", "/accounts/me/criminal-record", data=form, status=202)
    me = await gaspard.call("GET", "/accounts/me")
    referent_api = await api.demo("referent")
    await referent_api.call(
        "POST",
        f"/accounts/ambassadors/{me['id']}/criminal-record/decision",
        {"decision": "verified"},
    )
    await _searchable(referent_api, "Gaspard M.")

    await sign_in_as(page, "referent")
    await page.goto("/referents/file-de-travail")
    await (
        page.get_by_role("navigation", name="Outils du référent")
        .get_by_role("link", name="Publier un appel")
        .click()
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Publier un appel à participation"
    )
    # The form's former address sends a form still open there on to the new one.
    token = await page.locator('input[name="csrf"]').first.get_attribute("value")
    assert token
    former = await page.request.post(
        site.url("/referents/appels/nouveau"), form={"csrf": token}, max_redirects=0
    )
    assert former.status == 308
    assert former.headers["location"] == "/agenda/appels/nouveau"
    await page.get_by_role("button", name="Publier l'appel").click()
    await expect(page.get_by_role("alert")).to_contain_text("Indiquez le nom de l'événement")
    await looker.look(page, "appel-erreur")
    day = in_days(20)
    # An establishment of Arras, outside the Nord referent's territory: said at its field.
    await _fill_call(page, day, "0629101F")
    # Only ambassadors of the building trades are wanted, as Gaspard.
    await page.get_by_label("Bâtiment et travaux publics").check()
    await page.get_by_role("button", name="Publier l'appel").click()
    uai_error = page.locator("#uai-error")
    await expect(uai_error).to_be_visible()
    await expect(page.locator("#titre-error")).to_have_count(0)
    await expect(page.get_by_label("Bâtiment et travaux publics")).to_be_checked()  # kept
    await looker.look(page, "appel-hors-territoire")
    await _fill_call(page, day, "0599101X")
    await page.get_by_role("button", name="Publier l'appel").click()
    await expect(page.get_by_text(re.compile("L'appel « Forum des métiers"))).to_contain_text(
        re.compile("ambassadeurs? de la zone (est|sont) invités? par e-mail")
    )
    await expect(
        page.locator(".summary__row").filter(has_text="Secteurs recherchés")
    ).to_contain_text("Bâtiment et travaux publics")
    await looker.look(page, "appel-publie")
    call_path = page.url.removeprefix(site.base_url)

    link = await link_from_mail(site, email, call_path)
    ambassador = await (await new_context(browser, site)).new_page()
    await sign_in(ambassador, email, PASSWORD)
    await ambassador.goto(link)
    await ambassador.get_by_role("button", name="Je participe").click()
    await expect(ambassador.get_by_text("Votre place est réservée pour")).to_be_visible()
    await ambassador.context.close()

    await page.reload()
    await expect(page.get_by_role("listitem").filter(has_text="Gaspard M.")).to_contain_text(
        "inscrit le"
    )
    await looker.look(page, "appel-inscrits")

    # The referent closes the call: Gaspard keeps his place, nobody else can come.
    await page.get_by_role("button", name="Clore l'appel").click()
    await expect(page.get_by_text(re.compile("est clos : plus personne"))).to_contain_text(
        "L'ambassadeur inscrit garde sa place."
    )
    await expect(page.get_by_text("Statut : Clos")).to_be_visible()
    await expect(page.get_by_role("listitem").filter(has_text="Gaspard M.")).to_be_visible()
    await expect(page.get_by_role("button", name="Clore l'appel")).to_have_count(0)
    await looker.look(page, "appel-clos")
    await page.goto("/agenda/appels")
    item = page.get_by_role("listitem").filter(has_text="Forum des métiers de Villeneuve")
    await expect(item).to_contain_text("Clos")
    await expect(item).to_contain_text("1 inscrit")
    await looker.look(page, "appels-du-territoire")


async def _fill_call(page: Page, day: datetime, uai: str) -> None:
    """The call form as a referent fills it, for the establishment ``uai``."""
    await page.get_by_label("Nom de l'événement").fill("Forum des métiers de Villeneuve")
    await page.get_by_label("Forum").check()
    await page.get_by_label("En présentiel").check()
    await page.get_by_label("Jour").fill(day.date().isoformat())
    await page.get_by_label("Heure de début").fill("09:30")
    await page.get_by_label("Durée (minutes)").fill("120")
    await page.get_by_label("Code UAI de l'établissement qui accueille").fill(uai)
    await page.get_by_label("Niveau des élèves").fill("3e")
    await page.get_by_label("Nombre d'élèves attendus").fill("120")
    await page.get_by_label("Nombre d'ambassadeurs attendus").fill("2")


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


async def test_statistics_match_a_hand_count_and_the_csv(
    page: Page, api: Api, looker: Looker
) -> None:
    """Three requests to Élise: one accepted, one refused, one left pending; two in a
    month, one in the next."""
    staff = await api.demo("staff")
    elise = await api.demo("ambassador")
    first = in_days(10)
    later = in_days(40)
    accepted = await staff.solicit(first)
    refused = await staff.solicit(first.replace(hour=14))
    await staff.solicit(later)
    await elise.call("POST", f"/agenda/appointments/{accepted}/accept", {})
    await elise.call("POST", f"/agenda/appointments/{refused}/refuse", {"alternative_slots": []})

    start, end = first.date(), later.date()
    months: dict[str, int] = {}
    for day in (first.date(), first.date(), later.date()):
        key = f"{day.year}-{day.month:02d}"
        months[key] = months.get(key, 0) + 1

    await sign_in_as(page, "referent")
    await page.goto("/referents/statistiques")
    await page.get_by_label("Premier jour").fill(start.isoformat())
    await page.get_by_label("Dernier jour").fill(end.isoformat())
    await page.get_by_role("button", name="Afficher").click()
    figures = page.get_by_role("table", name="Chiffres clés")

    async def figure(name: str) -> str:
        row = figures.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=name, exact=True)
        )
        return (await row.get_by_role("cell").inner_text()).strip()

    assert await figure("Sollicitations") == "3"
    assert await figure("Sollicitations ayant reçu une réponse") == "2"
    assert await figure("Taux de réponse") == "67 %"
    assert await figure("Dont acceptées") == "1"
    assert await figure("Taux d'acceptation") == "50 %"

    async def table(caption: str) -> dict[str, str]:
        found: dict[str, str] = {}
        rows = page.get_by_role("table", name=caption).locator("tbody tr")
        for index in range(await rows.count()):
            row = rows.nth(index)
            key = (await row.get_by_role("rowheader").inner_text()).strip()
            found[key] = (await row.get_by_role("cell").last.inner_text()).strip()
        return found

    by_month = await table("Sollicitations par mois")
    shown = {label: int(value) for label, value in by_month.items() if value != "0"}
    assert sorted(shown.values()) == sorted(months.values())
    assert sum(int(value) for value in by_month.values()) == 3
    outcomes = await table("Sollicitations par issue")
    assert outcomes["En attente"] == "1"
    assert outcomes["Acceptées"] == "1"
    assert outcomes["Refusées"] == "1"
    assert outcomes["Annulées tardivement"] == "0"
    supply = page.get_by_role("table", name="Offre et demande")
    await expect(supply.get_by_role("row").filter(has_text="Bâtiment")).to_contain_text("3")

    # Each chart is an image of the site, drawn on the server, with its table beside it.
    for image in await page.locator("figure.chart img").all():
        src = str(await image.get_attribute("src"))
        drawn = await page.context.request.get(src)
        assert drawn.status == 200, src
        assert drawn.headers["content-type"].startswith("image/svg+xml")
        body = await drawn.text()
        assert "<svg" in body
        assert "<script" not in body
        assert await image.evaluate("(img) => img.naturalWidth") > 0
        assert 'viewBox="0 0 800 400"' in body
    await looker.look(page, "statistiques")
    # On a phone, each chart is drawn narrow: its labels keep their size.
    await page.set_viewport_size({"width": 375, "height": 900})
    await page.wait_for_function(
        """() => [...document.querySelectorAll("figure.chart img")].every(
            (img) => img.currentSrc.includes("largeur=etroite") && img.complete)"""
    )
    for image in await page.locator("figure.chart img").all():
        drawn = await page.context.request.get(await image.evaluate("(img) => img.currentSrc"))
        assert 'viewBox="0 0 400 ' in await drawn.text()

    download = await page.context.request.get(
        f"/referents/statistiques.csv?du={start.isoformat()}&au={end.isoformat()}"
    )
    assert download.status == 200
    rows = _csv_rows(await download.text())
    in_csv: dict[tuple[str, str], str] = {(row[0], row[3]): row[4] for row in rows[1:]}
    assert in_csv[("Sollicitations", "Sollicitations")] == "3"
    assert in_csv[("Réponses", "Sollicitations ayant reçu une réponse")] == "2"
    assert in_csv[("Réponses", "Sollicitations acceptées")] == "1"
    month_rows = {row[2]: int(row[4]) for row in rows if row[0] == "Sollicitations par mois"}
    assert {key: n for key, n in month_rows.items() if n} == months
    statuses = {row[2]: row[4] for row in rows if row[0] == "Sollicitations par statut"}
    assert (statuses["pending"], statuses["accepted"], statuses["refused"]) == ("1", "1", "1")
