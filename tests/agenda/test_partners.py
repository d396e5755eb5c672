"""A partner's yearly report and attestation: its linked employees' interventions.

All interventions are on one day (so in one year). ACME Énergies (convention: 4
interventions agreed, 62.50 €/h loaded cost, revenue 3 M€ → cap max(20,000, 15,000)):

- zoe (linked to ACME): 45 and 120 minutes, held;
- bob (linked to ACME): 90 minutes, held;
- cat (linked to another organization) and dan (linked to none): held, not counted;
- zoe: one refused solicitation, not counted.

So 3 interventions, 255 minutes = 4.25 h, base 4.25 × 62.50 = 265.625 → 265.63 €,
deduction 60 % = 159.378 → 159.38 €, not capped.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pypdf
import pytest

from shared.contracts.accounts import Sponsorship
from shared.contracts.agenda import AgendaPersonalDataRead
from shared.french import PARIS
from tests.agenda.conftest import World, WorldFactory, in_days
from tests.fixtures.rabbit import wait_until

ACME = "org-acme"
OTHER = "org-other"
CONVENTION = Sponsorship(
    signed_at=datetime(2026, 1, 15, tzinfo=UTC),
    agreed_interventions=4,
    annual_revenue_eur=3_000_000,
    hourly_loaded_cost_eur=62.5,
)


async def _held(world: World, who: str, ambassador: str, hour: int, minutes: int) -> str:
    starts = in_days(3, hour=hour, clock=world.clock)
    appointment_id = await world.solicit(
        who, ambassador, starts, kind="company_visit", duration_minutes=minutes
    )
    answer = await world.call("POST", f"/appointments/{appointment_id}/accept", ambassador)
    assert answer.status == 200, answer.body
    return appointment_id


@pytest.fixture
async def partner_world(open_world: WorldFactory) -> Any:
    async with open_world() as world:
        await world.organization(ACME, "ACME Énergies", sponsorship=CONVENTION)
        await world.organization(OTHER, "Autre SA", siret=None)
        await world.ambassador("zoe", organization_id=ACME)
        await world.ambassador("bob", organization_id=ACME)
        await world.ambassador("cat", organization_id=OTHER)
        await world.ambassador("dan")
        await world.staff("paul")
        await world.referent("rita", ["59"])
        world.admin()
        world.partner("acme", ACME)
        world.partner("other", OTHER)
        held = [
            await _held(world, "paul", "zoe", 9, 45),
            await _held(world, "paul", "zoe", 14, 120),
            await _held(world, "paul", "bob", 11, 90),
            await _held(world, "paul", "cat", 9, 60),
            await _held(world, "paul", "dan", 9, 45),
        ]
        refused = await world.solicit("paul", "zoe", in_days(3, hour=17, clock=world.clock))
        assert (await world.call("POST", f"/appointments/{refused}/refuse", "zoe")).status == 200
        world.clock.advance(timedelta(days=4))
        world.wake_scheduler()

        async def done() -> bool:
            return (
                await world.db["appointments"].count_documents(
                    {"_id": {"$in": held}, "status": "completed"}
                )
                == 5
            )

        await wait_until(done, what="the interventions to be held")
        first = await world.stored(held[0])
        year = first["starts_at"].astimezone(PARIS).year
        yield world, year


async def _report(world: World, who: str, year: int, organization: str = ACME) -> Any:
    return await world.call(
        "GET", f"/organizations/{organization}/report", who, params={"year": str(year)}
    )


async def test_report_counts_linked_employees_and_estimates_the_deduction(
    partner_world: Any,
) -> None:
    world, year = partner_world

    answer = await _report(world, "acme", year)

    assert answer.status == 200, answer.body
    report = answer.body
    assert report["organization"] == {
        "id": ACME,
        "name": "ACME Énergies",
        "siret": "12345678900011",
    }
    assert (report["year"], report["interventions"], report["hours"]) == (year, 3, 4.25)
    assert report["employees_mobilised"] == 2
    assert [(e["name"], e["interventions"], e["hours"]) for e in report["employees"]] == [
        ("Bob M.", 1, 1.5),
        ("Zoe M.", 2, 2.75),
    ]
    assert report["agreed_versus_done"] == {"agreed": 4, "done": 3, "rate": 0.75}
    sponsorship = report["sponsorship"]
    assert sponsorship["convention"] is True
    assert {key: sponsorship[key] for key in sponsorship if key != "note"} == {
        "convention": True,
        "hours": 4.25,
        "hourly_loaded_cost_eur": 62.5,
        "base_eur": 265.63,
        "rate": 0.6,
        "deduction_before_cap_eur": 159.38,
        "floor_cap_eur": 20000.0,
        "revenue_cap_eur": 15000.0,
        "cap_eur": 20000.0,
        "capped": False,
        "deduction_eur": 159.38,
    }
    assert [(item["employee"], item["hours"]) for item in report["items"]] == [
        ("Zoe M.", 0.75),
        ("Bob M.", 1.5),
        ("Zoe M.", 2.0),
    ]
    assert report["items"][0]["establishment"] == "Collège Jean Moulin"
    next_year = (await _report(world, "admin", year + 1)).body
    assert (next_year["interventions"], next_year["employees"]) == (0, [])


async def test_without_a_convention_there_is_no_deduction(partner_world: Any) -> None:
    world, year = partner_world

    report = (await _report(world, "other", year, OTHER)).body

    assert (report["interventions"], report["hours"]) == (1, 1.0)
    assert report["agreed_versus_done"] == {"agreed": None, "done": 1, "rate": None}
    assert report["sponsorship"]["convention"] is False
    assert report["sponsorship"]["deduction_eur"] == 0
    assert "Aucune convention" in report["sponsorship"]["note"]


async def test_only_the_partner_itself_referents_and_admins_read_a_report(
    partner_world: Any,
) -> None:
    world, year = partner_world
    for who, status, code in (
        ("acme", 200, None),
        ("rita", 200, None),
        ("admin", 200, None),
        ("other", 404, "organization_not_found"),
        ("paul", 403, "forbidden"),
        ("zoe", 403, "forbidden"),
    ):
        for path in ("report", "attestation.pdf"):
            answer = await world.call(
                "GET", f"/organizations/{ACME}/{path}", who, params={"year": str(year)}
            )
            assert (answer.status, answer.error_code) == (status, code), (who, path)
    unknown = await _report(world, "admin", year, "org-unknown")
    assert (unknown.status, unknown.error_code) == (404, "organization_not_found")


async def test_the_attestation_lists_the_interventions_and_totals_in_french(
    partner_world: Any,
) -> None:
    world, year = partner_world

    answer = await world.call(
        "GET", f"/organizations/{ACME}/attestation.pdf", "acme", params={"year": str(year)}
    )

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="attestation-prochorientation-{year}.pdf"'
    )
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(answer.body)).pages)
    assert "Attestation de participation – Proch'Orientation" in text
    assert "Organisation partenaire : ACME Énergies (SIRET 12345678900011)" in text
    assert f"Année : {year}" in text
    assert text.count("Collège Jean Moulin (Lille)") == 3
    for counted in ("Zoe M.", "Bob M."):
        assert counted in text
    for not_counted in ("Cat M.", "Dan M."):
        assert not_counted not in text
    assert "Total : 3 intervention(s), 4,25 heure(s), 2 salarié(s) mobilisé(s)." in text
    assert "4 intervention(s) prévue(s), 3 réalisée(s)" in text
    assert "159,38 €" in text


async def test_an_employee_who_left_still_counts_anonymously(partner_world: Any) -> None:
    world, year = partner_world

    await world.delete_account("bob")
    report = (await _report(world, "acme", year)).body

    assert (report["interventions"], report["hours"]) == (3, 4.25)
    assert [(e["ambassador_id"], e["name"]) for e in report["employees"]] == [
        (world.people["zoe"].id, "Zoe M."),
        (None, "Ambassadeur ayant quitté le programme"),
    ]


async def test_the_organization_copy_keeps_the_newest_version(open_world: WorldFactory) -> None:
    async with open_world() as world:
        world.admin()
        now = datetime.now(UTC)
        await world.organization(ACME, "ACME", occurred_at=now)
        # Delivered late: an older version must not overwrite the newer one.
        await world.organization(ACME, "ACME ancien nom", occurred_at=now - timedelta(days=1))
        assert (await _report(world, "admin", 2026)).body["organization"]["name"] == "ACME"

        await world.organization(ACME, "ACME Énergies", occurred_at=now + timedelta(seconds=1))

        assert (await _report(world, "admin", 2026)).body["organization"]["name"] == (
            "ACME Énergies"
        )
        assert await world.db["organizations"].count_documents({}) == 1


async def test_a_referent_reading_a_report_is_reported_for_the_audit_log_not_the_partner(
    partner_world: Any,
) -> None:
    world, year = partner_world
    zoe, bob, rita = (world.people[name].id for name in ("zoe", "bob", "rita"))

    assert (await _report(world, "acme", year)).status == 200
    assert (await _report(world, "rita", year)).status == 200
    pdf = await world.call(
        "GET", f"/organizations/{ACME}/attestation.pdf", "rita", params={"year": str(year)}
    )
    await world.settled()

    assert pdf.status == 200
    reads = world.recorded.of(AgendaPersonalDataRead)
    assert [(read.actor_id, read.action, set(read.user_ids)) for read in reads] == [
        (rita, "partner_report_read", {zoe, bob}),
        (rita, "partner_report_read", {zoe, bob}),
    ]
