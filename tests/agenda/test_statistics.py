"""Steering statistics, checked against a small data set whose figures are counted by hand.

The data set (interventions 5 to 60 days ahead; the clock then moves on 20 days):

====  ==================  =====================  ==========  ===========================
id    who → whom          kind, minutes, public  place       what became of it
====  ==================  =====================  ==========  ===========================
A4    lea → cat           event 90, 3e × 30      62          accepted after 1 h, then
                                                             cancelled by lea 24 h before
A1    paul → zoe          class 45, 3e × 28      59          accepted after 2 h, held
A2    paul → bob          visit 120, 2nde × 15   59          accepted after 6 h, held
A3    lea → zoe           class 30, 4e × 20      62          refused after 10 h
A5    rita → bob (santé)  internship 240, 1re    59 Lille E  never answered: expired
A6    paul → zoe (BTP)    class 45, 3e × 25      59          pending (day 60)
A7    lea → cat           class 45, 3e × 24      62          accepted after 11 h, held
====  ==================  =====================  ==========  ===========================

Available ambassadors: zoe (numérique, 59 and 62), bob (santé, 59 and 62), cat
(numérique, 62), eve (no sector, bassin Lille Est); dan (santé, 59) asked for a
restriction: not available.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from shared.contracts.accounts import Territory
from shared.french import PARIS
from tests.agenda.conftest import (
    ARRAS_UAI,
    ASCQ_COLLEGE,
    PARIS_UAI,
    World,
    WorldFactory,
    in_days,
)
from tests.fixtures.rabbit import wait_until

BOTH = Territory(departments=["59", "62"])


def _brief(kind: str, minutes: int, level: str, pupils: int) -> dict[str, Any]:
    return {
        "kind": kind,
        "duration_minutes": minutes,
        "audience": {"level": level, "group_size": pupils},
    }


async def _answer(world: World, appointment_id: str, who: str, action: str) -> None:
    answer = await world.call("POST", f"/appointments/{appointment_id}/{action}", who)
    assert answer.status == 200, answer.body


@pytest.fixture
async def figures(open_world: WorldFactory) -> Any:
    async with open_world() as world:
        await world.ambassador("zoe", zone=BOTH)
        await world.ambassador("bob", sector="sante", zone=BOTH)
        await world.ambassador("cat", zone=Territory(departments=["62"]))
        await world.ambassador(
            "dan", sector="sante", solicitable=False, not_solicitable_reason="restriction"
        )
        await world.ambassador(
            "eve", profile="trainer", sector=None, zone=Territory(bassins=["lille-est"])
        )
        await world.staff("paul", bassin=None)  # a Nord school whose bassin is not known
        await world.staff(
            "lea", uai=ARRAS_UAI, establishment="Lycée Robespierre", city="Arras", postcode="62000"
        )
        await world.referent("rita", ["59"])
        world.admin()
        clock = world.clock
        first_day = clock().astimezone(PARIS).date()
        a4 = await world.solicit(
            "lea", "cat", in_days(5, clock=clock), **_brief("event", 90, "3e", 30)
        )
        a1 = await world.solicit(
            "paul", "zoe", in_days(7, clock=clock), **_brief("class_presentation", 45, "3e", 28)
        )
        a2 = await world.solicit(
            "paul", "bob", in_days(8, clock=clock), **_brief("company_visit", 120, "2nde", 15)
        )
        a3 = await world.solicit(
            "lea", "zoe", in_days(9, clock=clock), **_brief("class_presentation", 30, "4e", 20)
        )
        a5 = await world.solicit(
            "rita",
            "bob",
            in_days(10, clock=clock),
            establishment=ASCQ_COLLEGE,
            sector="sante",
            **_brief("discovery_internship", 240, "1re", 12),
        )
        a6 = await world.solicit(
            "paul",
            "zoe",
            in_days(60, clock=clock),
            sector="batiment-travaux-publics",
            **_brief("class_presentation", 45, "3e", 25),
        )
        a7 = await world.solicit(
            "lea", "cat", in_days(11, clock=clock), **_brief("class_presentation", 45, "3e", 24)
        )
        for hours, appointment_id, who, action in (
            (1, a4, "cat", "accept"),
            (1, a1, "zoe", "accept"),
            (4, a2, "bob", "accept"),
            (4, a3, "zoe", "refuse"),
            (1, a7, "cat", "accept"),
        ):
            clock.advance(timedelta(hours=hours))
            await _answer(world, appointment_id, who, action)
        clock.move_to((await world.stored(a4))["starts_at"] - timedelta(hours=24))
        cancelled = await world.call(
            "POST", f"/appointments/{a4}/cancel", "lea", json={"reason": "Sortie annulée"}
        )
        assert cancelled.status == 200, cancelled.body
        clock.advance(timedelta(days=15))
        world.wake_scheduler()
        expected = {
            a1: "completed",
            a2: "completed",
            a5: "expired",
            a6: "pending",
            a7: "completed",
        }

        async def settled() -> bool:
            states = {key: (await world.stored(key))["status"] for key in expected}
            return states == expected

        await wait_until(settled, what="the interventions to be held and the rest to expire")
        period = {"from": first_day.isoformat(), "to": (first_day + timedelta(days=90)).isoformat()}
        yield world, period


async def _stats(world: World, who: str, **params: str) -> dict[str, Any]:
    answer = await world.call("GET", "/stats", who, params=params)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def _months(period: dict[str, str]) -> set[tuple[int, int]]:
    first, last = (date.fromisoformat(period[key]) for key in ("from", "to"))
    return {
        (day.year, day.month)
        for day in (first + timedelta(days=n) for n in range((last - first).days + 1))
    }


def _counts(items: list[dict[str, Any]]) -> dict[str | None, int]:
    return {item["key"]: item["count"] for item in items}


async def test_region_figures_match_the_hand_count(figures: Any) -> None:
    world, period = figures

    stats = await _stats(world, "admin", **period)

    assert stats["period"] == period
    assert stats["scope"]["region"] is True
    solicitations = stats["solicitations"]
    assert solicitations["total"] == 7
    assert _counts(solicitations["by_status"]) == {
        "pending": 1,
        "accepted": 0,
        "refused": 1,
        "cancelled": 1,
        "expired": 1,
        "completed": 3,
    }
    assert _counts(solicitations["by_kind"]) == {
        "class_presentation": 4,
        "event": 1,
        "company_visit": 1,
        "discovery_internship": 1,
    }
    assert [(c["key"], c["label"], c["count"]) for c in solicitations["by_department"]] == [
        ("59", "Nord", 4),
        ("62", "Pas-de-Calais", 3),
    ]
    assert [(c["key"], c["label"], c["count"]) for c in solicitations["by_bassin"]] == [
        (None, "Non précisé", 6),
        ("lille-est", "Lille Est", 1),
    ]
    assert _counts(solicitations["by_sector"]) == {
        "numerique": 4,
        "sante": 2,
        "batiment-travaux-publics": 1,
    }
    # Interventions 5 to 11 days ahead, and A6 60 days ahead, by month (Paris).
    first = date.fromisoformat(period["from"])
    by_month = Counter(
        (first + timedelta(days=days)).strftime("%Y-%m") for days in (5, 7, 8, 9, 10, 11, 60)
    )
    months = solicitations["by_month"]
    assert [month["key"] for month in months] == sorted(
        {f"{year:04d}-{month:02d}" for year, month in _months(period)}
    )
    assert {month["key"]: month["count"] for month in months if month["count"]} == by_month
    assert months[0]["label"].endswith(str(first.year))
    # Answered: A4 (1 h), A1 (2 h), A2 (6 h), A7 (11 h) accepted, A3 (10 h) refused; the
    # 7 were all asked of an ambassador (no place taken at an event).
    assert stats["answers"] == {
        "asked": 7,
        "answered": 5,
        "answer_rate": 0.7143,
        "accepted": 4,
        "acceptance_rate": 0.8,
        "median_hours_to_answer": 6.0,  # the middle of 1, 2, 6, 10 and 11 h
    }
    assert stats["late_cancellations"] == {
        "total": 1,
        "by": [{"key": "requester", "label": "le demandeur", "count": 1}],
    }
    delivered = stats["delivered"]
    # A1, A2 and A7: 45 + 120 + 45 minutes, 28 + 15 + 24 pupils.
    assert (delivered["interventions"], delivered["hours"], delivered["pupils_reached"]) == (
        3,
        3.5,
        67,
    )
    # Most hours first; a level adds up its hours across establishments.
    assert delivered["by_establishment"] == [
        {
            "key": PARIS_UAI,
            "label": "Collège Jean Moulin (Lille)",
            "interventions": 2,
            "hours": 2.75,
            "pupils": 43,
        },
        {
            "key": ARRAS_UAI,
            "label": "Lycée Robespierre (Arras)",
            "interventions": 1,
            "hours": 0.75,
            "pupils": 24,
        },
    ]
    assert [
        (g["key"], g["interventions"], g["hours"], g["pupils"]) for g in delivered["by_level"]
    ] == [
        ("2nde", 1, 2.0, 15),
        ("3e", 2, 1.5, 52),
    ]
    rows = [
        (
            r["department"],
            r["sector"],
            r["ambassadors"],
            r["solicitations"],
            r["satisfied"],
            r["solicitations_per_ambassador"],
            r["missing"],
        )
        for r in stats["supply_demand"]
    ]
    assert rows == [
        ("59", "batiment-travaux-publics", 0, 1, 0, None, True),
        ("59", "sante", 1, 2, 1, 2.0, False),
        ("62", "numerique", 2, 3, 1, 1.5, False),
        ("59", "numerique", 1, 1, 1, 1.0, False),
        ("59", None, 1, 0, 0, 0.0, False),
        ("62", "sante", 1, 0, 0, 0.0, False),
    ]
    assert stats["supply_demand"][0]["sector_name"] == "Bâtiment et travaux publics"
    assert stats["calls"] == {"published": 0, "places": 0, "places_taken": 0}


async def test_a_referent_sees_their_territory_only(figures: Any) -> None:
    world, period = figures

    nord = await _stats(world, "rita", **period)
    lille_est = await _stats(world, "rita", bassin="lille-est", **period)
    pas_de_calais = await world.call("GET", "/stats", "rita", params={"department": "62", **period})

    assert nord["scope"] == {
        "region": False,
        "departments": ["59"],
        "bassins": [],
        "label": "59 Nord",
    }
    assert nord["solicitations"]["total"] == 4
    assert _counts(nord["solicitations"]["by_status"])["completed"] == 2
    assert nord["answers"]["answered"] == 2
    assert nord["answers"]["acceptance_rate"] == 1.0
    assert nord["late_cancellations"]["total"] == 0
    assert {row["department"] for row in nord["supply_demand"]} == {"59"}
    assert lille_est["solicitations"]["total"] == 1
    assert _counts(lille_est["solicitations"]["by_status"])["expired"] == 1
    assert (pas_de_calais.status, pas_de_calais.error_code) == (403, "outside_territory")
    assert (await _stats(world, "admin", department="62", **period))["solicitations"]["total"] == 3


async def test_bad_perimeters_and_periods_are_refused(figures: Any) -> None:
    world, _ = figures
    cases = [
        ("admin", {"department": "62", "bassin": "lille-est"}, 422, "bassin_not_in_department"),
        ("admin", {"from": "2027-03-01", "to": "2027-02-01"}, 422, "invalid_period"),
        ("admin", {"department": "75"}, 400, "invalid_request"),
        ("admin", {"from": "hier"}, 400, "invalid_request"),
        # Days at the ends of the calendar overflowed once moved to UTC (a 500).
        ("admin", {"from": "0001-01-01"}, 400, "invalid_request"),
        ("admin", {"from": "9999-12-01", "to": "9999-12-31"}, 400, "invalid_request"),
        ("paul", {}, 403, "forbidden"),
        ("zoe", {}, 403, "forbidden"),
    ]
    for who, params, status, code in cases:
        answer = await world.call("GET", "/stats", who, params=params)
        assert (answer.status, answer.error_code) == (status, code), (params, answer.body)


async def test_without_dates_the_period_is_the_current_school_year(figures: Any) -> None:
    world, _ = figures
    today = world.clock().astimezone(PARIS).date()
    start_year = today.year if today.month >= 9 else today.year - 1

    stats = await _stats(world, "admin")

    assert stats["period"] == {
        "from": date(start_year, 9, 1).isoformat(),
        "to": date(start_year + 1, 8, 31).isoformat(),
    }


async def test_csv_export_has_the_same_figures_for_a_french_spreadsheet(figures: Any) -> None:
    world, period = figures

    answer = await world.call("GET", "/stats.csv", "admin", params=period)

    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["Content-Disposition"]
    raw: bytes = answer.body
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8").removeprefix("\ufeff")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == ["Rubrique", "Élément", "Détail", "Indicateur", "Valeur"]
    first = datetime.fromisoformat(period["from"]).strftime("%d/%m/%Y")
    for expected in (
        ["Période", "", "", "Premier jour", first],
        ["Sollicitations", "Total", "", "Sollicitations", "7"],
        ["Sollicitations par statut", "réalisée", "completed", "Sollicitations", "3"],
        ["Sollicitations par département", "Pas-de-Calais", "62", "Sollicitations", "3"],
        ["Réponses", "", "", "Taux d'acceptation (%)", "80,00"],
        ["Réponses", "", "", "Délai médian de réponse (heures)", "6,00"],
        ["Interventions réalisées", "", "", "Heures", "3,50"],
        ["Interventions réalisées", "", "", "Élèves rencontrés", "67"],
        ["Heures par niveau", "3e", "3e", "Heures", "1,50"],
        ["Heures par établissement", "Lycée Robespierre (Arras)", ARRAS_UAI, "Heures", "0,75"],
        [
            "Offre et demande",
            "62 Pas-de-Calais",
            "Numérique, informatique et télécommunications",
            "Sollicitations par ambassadeur",
            "1,50",
        ],
        [
            "Offre et demande",
            "59 Nord",
            "Bâtiment et travaux publics",
            "Ambassadeurs disponibles",
            "0",
        ],
    ):
        assert expected in lines, expected
    assert all(len(line) == 5 for line in lines)
    refused = await world.call("GET", "/stats.csv", "rita", params={"department": "62"})
    assert (refused.status, refused.error_code) == (403, "outside_territory")


async def test_figures_kept_between_reads_follow_every_change_of_their_month(
    figures: Any,
) -> None:
    world, period = figures
    before = await _stats(world, "admin", **period)
    again = await _stats(world, "admin", **period)
    pending = await world.db["appointments"].find_one({"status": "pending"})
    assert pending is not None

    await _answer(world, pending["_id"], "zoe", "accept")
    after = await _stats(world, "admin", **period)
    added = await world.solicit(
        "paul",
        "bob",
        pending["starts_at"] + timedelta(hours=3),
        **_brief("company_visit", 60, "2nde", 10),
    )
    with_new = await _stats(world, "admin", **period)
    nord = await _stats(world, "rita", **period)

    assert again == before
    statuses = _counts(before["solicitations"]["by_status"])
    assert _counts(after["solicitations"]["by_status"]) == {
        **statuses,
        "pending": statuses["pending"] - 1,
        "accepted": statuses["accepted"] + 1,
    }
    assert after["answers"]["answered"] == before["answers"]["answered"] + 1
    assert with_new["solicitations"]["total"] == before["solicitations"]["total"] + 1
    assert _counts(with_new["solicitations"]["by_status"])["pending"] == statuses["pending"]
    assert added in {
        item["id"] for item in (await world.call("GET", "/appointments", "paul")).body["items"]
    }
    by_department = _counts(with_new["solicitations"]["by_department"])
    assert nord["solicitations"]["total"] == by_department["59"]
