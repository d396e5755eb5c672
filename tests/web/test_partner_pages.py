"""« Mon organisation » in a real browser: a partner's year, its hours per month (a chart
with its table), the sponsorship ledger and the attestation whose figures match it.

The organisation, its contact and its employee's intervention are made through the
public API; an intervention is held once its time has passed, which a test cannot
wait for: its dates are moved into the past in agenda's store, as the clock would.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect
from pypdf import PdfReader

from tests.web import people
from tests.web.api_people import ELISE, Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import PASSWORD, sign_in, sign_in_as
from tests.web.site import RunningSite

CONTACT = "contact.partenaire@example.org"


async def _held_intervention(api: Api, site: RunningSite, organisation_id: str) -> None:
    """Élise, an employee of the organisation, gives a 45-minute class presentation."""
    elise = await api.demo("ambassador")
    await elise.call("PATCH", "/accounts/me", {"organization_id": organisation_id})
    staff = await api.demo("staff")
    await staff.until(
        f"/accounts/ambassadors/{ELISE}",
        lambda body: body.get("organization_id") == organisation_id,
    )
    await asyncio.sleep(0.5)  # agenda's copy of the profile follows as an event
    appointment_id = await staff.solicit(in_days(6))
    await elise.call("POST", f"/agenda/appointments/{appointment_id}/accept", {})
    # Held this morning (this year): the clock cannot be waited for in a browser test.
    appointments = site.platform.mongo[site.settings.database_name("agenda")]["appointments"]
    stored = await appointments.find_one({"_id": appointment_id})
    assert stored is not None
    assert stored["ambassador"].get("organization_id") == organisation_id, stored["ambassador"]
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    if start.year != datetime.now(UTC).year:
        start = datetime.now(UTC).replace(hour=0, minute=5, second=0, microsecond=0)
    await appointments.update_one(
        {"_id": appointment_id},
        {
            "$set": {
                "status": "completed",
                "starts_at": start,
                "ends_at": start + timedelta(minutes=45),
            }
        },
    )


def _amount(text: str) -> float:
    """« 1 234,50 € » → 1234.5."""
    digits = re.sub(r"[^\d,]", "", text).replace(",", ".")
    return float(digits)


async def test_partner_downloads_the_attestation_whose_figures_match_the_ledger(
    page: Page, site: RunningSite, api: Api, looker: Looker
) -> None:
    organisation_id = await api.partner_contact(
        CONTACT,
        {
            "signed_at": "2026-01-05T09:00:00+01:00",
            "agreed_interventions": 10,
            "annual_revenue_eur": 2_000_000,
            "hourly_loaded_cost_eur": 48,
        },
    )
    await _held_intervention(api, site, organisation_id)

    await sign_in(page, CONTACT, PASSWORD)
    await page.goto("/partenaires")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Électricité Fictive du Nord")
    ledger = page.get_by_role("table", name=re.compile("Calcul de la réduction d'impôt"))

    async def line(label: str) -> str:
        row = ledger.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=label, exact=True)
        )
        return (await row.get_by_role("cell").first.inner_text()).strip()

    # 0.75 h × 48 € = 36 €; 60 % = 21.60 €, under the ceiling of max(20 000, 0.5 % × 2 M).
    assert await line("Temps donné") == "0,75 h"
    assert _amount(await line("Coût du temps donné")) == 36.0
    assert _amount(await line("Plafond")) == 20_000.0
    deduction = _amount(await line("Réduction d'impôt estimée"))
    assert deduction == 21.6
    months = page.get_by_role("table", name="Heures données par mois")
    this_month = months.get_by_role("row").filter(has_text=str(datetime.now(UTC).year))
    await expect(this_month.filter(has_text="0,8 h")).to_have_count(1)
    employees = page.get_by_role("table", name=re.compile("Salariés ambassadeurs"))
    await expect(employees).to_contain_text("Élise")
    chart = page.locator("figure.chart img")
    assert await chart.evaluate("(img) => img.naturalWidth") > 0
    drawn = await page.context.request.get(str(await chart.get_attribute("src")))
    assert drawn.headers["content-type"].startswith("image/svg+xml")
    assert 'viewBox="0 0 800 400"' in await drawn.text()
    # A phone gets the chart drawn narrow, its month labels kept readable.
    narrow = await page.context.request.get(
        str(await page.locator("figure.chart source").get_attribute("srcset"))
    )
    assert 'viewBox="0 0 400 ' in await narrow.text()
    await looker.look(page, "partenaire")

    async with page.expect_download() as started:
        await page.get_by_role("link", name=re.compile("Télécharger l'attestation")).click()
    download = await started.value
    saved = Path(await download.path())
    pdf = PdfReader(io.BytesIO(await asyncio.to_thread(saved.read_bytes)))
    text = " ".join(page_.extract_text() for page_ in pdf.pages).replace("\u00a0", " ")
    assert "Électricité Fictive du Nord" in text
    found = re.search(r"plafond [\d  ,]+ € : ([\d  ,]+) €", text)
    assert found is not None, text
    assert _amount(found.group(1)) == deduction
    assert re.search(r"0,75 h ×", text), text


async def test_partner_without_convention_reads_the_year_and_gets_the_attestation(
    page: Page, site: RunningSite, api: Api, looker: Looker
) -> None:
    await api.partner_contact(CONTACT)
    await sign_in(page, CONTACT, PASSWORD)
    await page.goto("/partenaires")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Électricité Fictive du Nord")
    await expect(page.get_by_role("table", name=re.compile("en chiffres"))).to_contain_text(
        "Interventions réalisées"
    )
    await expect(page.get_by_text("Pas de convention de mécénat de compétences")).to_be_visible()
    await looker.look(page, "partenaire-sans-convention")
    pdf = await page.context.request.get("/partenaires/attestation.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert (await pdf.body()).startswith(b"%PDF")


async def _ask_partnership(site: RunningSite, **request: Any) -> None:
    """A request sent from « Devenir partenaire » (through the API the page uses)."""
    status, sent = await people.api(site, "POST", "/accounts/partner-requests", json=request)
    assert status == 201, sent


async def test_admin_turns_a_partnership_request_into_an_organisation_and_its_contact(
    page: Page, browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    """From « Devenir partenaire » to « Mon organisation », through the admin's pages."""
    await _ask_partnership(
        site,
        organization_name="Menuiserie Fictive des Flandres",
        siret="73282932000074",
        contact_name="Amandine Contact",
        email="amandine.contact@example.org",
        phone="03 20 00 00 00",
        sponsorship=True,
        message="Trois menuisiers volontaires pour des présentations en classe.",
    )

    # The administrators are told by email; its link opens the requests.
    admin_email = people.DEMO["admin"][0]
    link = await people.link_from_mail(site, admin_email, "/admin/partenaires")
    subject = "Demande de partenariat : Menuiserie Fictive des Flandres"
    assert people.mails_with(site, admin_email, subject) == 1
    await sign_in_as(page, "admin")
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Partenaires")
    requests = page.get_by_role("region", name="Demandes de partenariat")
    row = requests.get_by_role("row").filter(has_text="Menuiserie Fictive des Flandres")
    await expect(row).to_contain_text("amandine.contact@example.org")
    await expect(row).to_contain_text("Envisagé")
    await looker.look(page, "partenaires")
    # A search the API would refuse is said next to its field, the page still whole.
    answer = await page.goto("/admin/partenaires?q=" + "é" * 120)
    assert answer is not None
    assert answer.status == 422
    await expect(page.locator("#q-error")).to_be_visible()
    await expect(row).to_be_visible()
    await row.get_by_role("link", name=re.compile("Enregistrer")).click()

    # The request's name and SIRET are in the form; the convention is typed.
    await expect(page.get_by_label("Nom de l'organisation")).to_have_value(
        "Menuiserie Fictive des Flandres"
    )
    await expect(page.get_by_label("SIRET")).to_have_value("73282932000074")
    await page.get_by_label("SIRET").fill("12345678901234")
    await page.get_by_role("button", name="Enregistrer l'organisation").click()
    await expect(page.get_by_role("alert")).to_contain_text("Choisissez le type d'organisation")
    await page.get_by_label("Entreprise").check()
    await page.get_by_role("button", name="Enregistrer l'organisation").click()
    await expect(page.locator("#siret-error")).to_be_visible()  # the accounts API's check
    await looker.look(page, "organisation-erreur")
    await page.get_by_label("SIRET").fill("732 829 320 00074")
    await page.get_by_label("Charte de partenariat signée le").fill("2026-11-02")
    await page.get_by_label("Convention signée le").fill("2026-11-02")
    await page.get_by_label("Interventions prévues par la convention").fill("12")
    await page.get_by_label("Chiffre d'affaires annuel (euros)").fill("2 500 000")
    await page.get_by_label("Coût horaire chargé d'un salarié (euros)").fill("45,50")
    await page.get_by_role("button", name="Enregistrer l'organisation").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "L'organisation « Menuiserie Fictive des Flandres » est enregistrée"
    )

    # The contact's form carries the request's person.
    await expect(page.get_by_role("heading", level=1)).to_have_text("Créer le compte d'un contact")
    await expect(page.get_by_label("Prénom")).to_have_value("Amandine")
    await expect(page.get_by_label("Nom", exact=True)).to_have_value("Contact")
    await expect(page.get_by_label("Adresse e-mail")).to_have_value("amandine.contact@example.org")
    await looker.look(page, "contact")
    await page.get_by_role("button", name="Créer le compte").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "Le compte d'Amandine Contact est créé"
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Menuiserie Fictive des Flandres"
    )
    await expect(page.get_by_text("signée le lundi 2 novembre 2026").first).to_be_visible()
    await expect(page.get_by_text("45,50 €")).to_be_visible()
    await looker.look(page, "organisation")

    # A change: the hourly cost, in the form filled with what is recorded.
    await page.get_by_role("link", name="Modifier le coût horaire").click()
    await expect(page.get_by_label("Chiffre d'affaires annuel (euros)")).to_have_value("2500000")
    await page.get_by_label("Coût horaire chargé d'un salarié (euros)").fill("48")
    await page.get_by_role("button", name="Enregistrer les modifications").click()
    await expect(page.get_by_role("status")).to_contain_text("est modifiée")
    await expect(page.get_by_text("48,00 €")).to_be_visible()

    # The request is no longer to handle: it is listed as registered, with its organisation.
    await page.goto("/admin/partenaires")
    await expect(requests.get_by_role("row").filter(has_text="Menuiserie")).to_have_count(0)
    await requests.get_by_role("link", name="Enregistrées").click()
    await expect(row).to_contain_text("Enregistrée")
    await row.get_by_role("link", name=re.compile("Voir l'organisation")).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Menuiserie Fictive des Flandres"
    )

    # The contact chooses a password from the emailed link and reads the organisation.
    await api.activate("amandine.contact@example.org")
    contact = await (await new_context(browser, site)).new_page()
    await sign_in(contact, "amandine.contact@example.org", PASSWORD)
    await contact.goto("/partenaires")
    await expect(contact.get_by_role("heading", level=1)).to_have_text(
        "Menuiserie Fictive des Flandres"
    )
    await contact.context.close()


async def test_admin_declines_a_partnership_request_then_puts_it_back_to_handle(
    page: Page, site: RunningSite, looker: Looker
) -> None:
    await _ask_partnership(
        site,
        organization_name="Boulangerie Fictive de l'Aisne",
        contact_name="Paul Contact",
        email="paul.contact@example.org",
        message="Nous cherchons surtout des stagiaires.",
    )
    await sign_in_as(page, "admin")
    await page.goto("/admin/partenaires")
    requests = page.get_by_role("region", name="Demandes de partenariat")
    row = requests.get_by_role("row").filter(has_text="Boulangerie Fictive de l'Aisne")
    await row.get_by_role("link", name=re.compile("Classer sans suite")).click()

    # What declining changes is said before anything happens, the contact not told.
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Classer sans suite la demande de « Boulangerie Fictive de l'Aisne »"
    )
    await expect(page.get_by_text("Nous cherchons surtout des stagiaires.")).to_be_visible()
    await expect(page.get_by_text("La plateforme ne prévient pas le contact")).to_be_visible()
    await looker.look(page, "demande-classer")
    await page.get_by_role("button", name="Classer sans suite").click()
    await expect(page.get_by_role("status")).to_contain_text(
        "La demande de « Boulangerie Fictive de l'Aisne » est classée sans suite."
    )
    await expect(row).to_have_count(0)  # no longer among those to handle

    await requests.get_by_role("link", name="Classées sans suite").click()
    await expect(row).to_contain_text("Classée sans suite")
    await looker.look(page, "demandes-classees")
    await row.get_by_role("button", name=re.compile("Remettre à traiter")).click()
    await expect(page.get_by_role("status")).to_contain_text("est de nouveau à traiter")
    await expect(row).to_contain_text("paul.contact@example.org")
    await expect(row.get_by_role("link", name=re.compile("Classer sans suite"))).to_be_visible()

    # An address naming no request is the site's 404.
    missing = await page.goto("/admin/partenaires/demandes/inconnue/classer")
    assert missing is not None
    assert missing.status == 404
