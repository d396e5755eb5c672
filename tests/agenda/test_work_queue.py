"""The referents' work queue: what waits in their territory, and acting on it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.contracts.accounts import Territory
from shared.contracts.agenda import (
    AppointmentCancelled,
    SolicitationCreated,
    SolicitationEscalated,
    SolicitationReminded,
)
from tests.agenda.conftest import ARRAS_UAI, World, WorldFactory, in_days
from tests.agenda.test_erasure import _everything_about


async def _queue(world: World, who: str) -> dict[str, Any]:
    answer = await world.call("GET", "/work-queue", who)
    assert answer.status == 200, answer.body
    return dict(answer.body)


def _ids(section: dict[str, Any], key: str = "appointment_id") -> list[str]:
    return [item[key] for item in section["items"]]


async def test_pending_solicitations_of_the_territory_oldest_first_with_age_and_reminders(
    open_world: WorldFactory,
) -> None:
    async with open_world(reminder_after_seconds=3600) as world:
        await world.ambassador("zoe")
        await world.ambassador("cat", zone=Territory(departments=["62"]))
        await world.staff("paul")
        await world.staff(
            "lea", uai=ARRAS_UAI, establishment="Lycée Robespierre", city="Arras", postcode="62000"
        )
        await world.referent("rita", ["59"])
        await world.referent("remi", ["62"])
        world.admin()
        first = await world.solicit("paul", "zoe", in_days(5, clock=world.clock))
        world.clock.advance(timedelta(hours=2))
        world.wake_scheduler()
        await world.recorded.wait_for(SolicitationReminded)
        second = await world.solicit("paul", "zoe", in_days(6, clock=world.clock))
        arras = await world.solicit("lea", "cat", in_days(6, clock=world.clock))

        nord = (await _queue(world, "rita"))["pending"]
        region = (await _queue(world, "admin"))["pending"]

        assert _ids(nord) == [first, second]
        assert nord["total"] == 2
        oldest, newest = nord["items"]
        assert (oldest["age_hours"], oldest["reminders_sent"]) == (2, 1)
        assert oldest["reminded_at"] is not None
        assert (newest["age_hours"], newest["reminders_sent"]) == (0, 0)
        assert oldest["ambassador"]["name"] == "Zoe M."
        assert oldest["requester"] == {
            "id": world.people["paul"].id,
            "name": "Paul D.",
            "role": "staff",
        }
        assert {(a["action"], a["method"], a["href"]) for a in oldest["actions"]} >= {
            ("redirect", "POST", f"/api/agenda/appointments/{first}/redirect"),
            ("cancel", "POST", f"/api/agenda/appointments/{first}/cancel"),
        }
        assert _ids((await _queue(world, "remi"))["pending"]) == [arras]
        assert _ids(region) == [first, second, arras]
        for outsider in ("paul", "zoe"):
            answer = await world.call("GET", "/work-queue", outsider)
            assert (answer.status, answer.error_code) == (403, "forbidden")


async def _escalated_world(world: World) -> str:
    """zoe's solicitation by paul, left unanswered until escalated to rita."""
    for name in ("zoe", "ali", "hal"):
        await world.ambassador(name)
    await world.ambassador("pia", not_solicitable_reason="restriction", solicitable=False)
    await world.staff("paul")
    await world.referent("rita", ["59"])
    await world.referent("remi", ["62"])
    appointment_id = await world.solicit("paul", "zoe", in_days(5, clock=world.clock))
    world.clock.advance(timedelta(hours=3))
    world.wake_scheduler()
    await world.recorded.wait_for(SolicitationEscalated)
    return appointment_id


async def test_escalated_solicitation_shows_suggestions_and_is_redirected_to_one(
    open_world: WorldFactory,
) -> None:
    async with open_world(reminder_after_seconds=3600, escalate_after_seconds=7200) as world:
        stuck = await _escalated_world(world)
        ali, hal = world.people["ali"].id, world.people["hal"].id

        queue = await _queue(world, "rita")

        assert queue["pending"]["items"] == []
        [item] = queue["escalated"]["items"]
        assert item["appointment_id"] == stuck
        assert item["escalated_at"] is not None
        assert item["reminders_sent"] == 1
        assert {s["ambassador_id"] for s in item["suggestions"]} == {ali, hal}

        answer = await world.call(
            "POST",
            f"/appointments/{stuck}/redirect",
            "rita",
            json={
                "ambassador_id": ali,
                "message": "Zoé n'a pas pu répondre : Ali prend le relais ?",
            },
        )

        assert answer.status == 201, answer.body
        new = answer.body
        assert answer.headers["Location"] == f"/api/agenda/appointments/{new['id']}"
        assert (new["status"], new["ambassador"]["id"]) == ("pending", ali)
        assert new["requester"]["id"] == world.people["paul"].id
        assert new["message"] == "Zoé n'a pas pu répondre : Ali prend le relais ?"
        old = await world.appointment(stuck, "paul")
        assert old["status"] == "cancelled"
        assert old["cancellation"]["by"] == "referent"
        assert (await world.stored(stuck))["redirected_to"] == new["id"]
        assert (await world.stored(new["id"]))["redirected_from"] == stuck
        assert (old["redirected_to"], new["redirected_from"]) == (new["id"], stuck)
        created: SolicitationCreated = await world.recorded.wait_for(SolicitationCreated, count=2)
        assert (created.appointment.appointment_id, created.redirected_from) == (new["id"], stuck)
        cancelled: AppointmentCancelled = await world.recorded.wait_for(AppointmentCancelled)
        assert (cancelled.appointment.appointment_id, cancelled.cancelled_by) == (stuck, "referent")
        paul_feed = (await world.call("GET", "/notifications", "paul")).body["items"]
        assert paul_feed[0]["kind"] == "solicitation_redirected"
        assert "Ali M." in paul_feed[0]["text"]
        assert all(line["kind"] != "appointment_cancelled" for line in paul_feed)
        zoe_feed = (await world.call("GET", "/notifications", "zoe")).body["items"]
        assert zoe_feed[0]["kind"] == "appointment_cancelled"
        ali_feed = (await world.call("GET", "/notifications", "ali")).body["items"]
        assert ali_feed[0]["kind"] == "solicitation_received"
        queue = await _queue(world, "rita")
        assert queue["escalated"]["items"] == []
        assert _ids(queue["pending"]) == [new["id"]]


async def test_a_redirection_that_cannot_happen_changes_nothing(open_world: WorldFactory) -> None:
    async with open_world(reminder_after_seconds=3600, escalate_after_seconds=7200) as world:
        stuck = await _escalated_world(world)
        before = await world.stored(stuck)
        attempts = [
            ("rita", world.people["zoe"].id, 422, "same_ambassador"),
            ("rita", world.people["pia"].id, 422, "ambassador_unavailable"),
            ("rita", "nobody", 422, "ambassador_not_found"),
            ("remi", world.people["ali"].id, 404, "appointment_not_found"),
            ("paul", world.people["ali"].id, 403, "forbidden"),
        ]
        for who, ambassador_id, status, code in attempts:
            answer = await world.call(
                "POST",
                f"/appointments/{stuck}/redirect",
                who,
                json={"ambassador_id": ambassador_id},
            )
            assert (answer.status, answer.error_code) == (status, code), (who, answer.body)

        assert await world.stored(stuck) == before
        accepted = await world.solicit("paul", "hal", in_days(9, clock=world.clock))
        assert (await world.call("POST", f"/appointments/{accepted}/accept", "hal")).status == 200
        answer = await world.call(
            "POST",
            f"/appointments/{accepted}/redirect",
            "rita",
            json={"ambassador_id": world.people["ali"].id},
        )
        assert (answer.status, answer.error_code) == (409, "not_pending")


async def test_new_ambassadors_nobody_solicited_are_listed_longest_waiting_first(
    world: World,
) -> None:
    await world.referent("remi", ["62"])
    await world.referent("bea", [], ["lille-est"])
    world.clock.advance(timedelta(days=1))
    await world.ambassador("nina")
    await world.ambassador("omar", zone=Territory(departments=["62"]))
    await world.ambassador("pia", solicitable=False, not_solicitable_reason="restriction")
    await world.ambassador("gus", solicitable=False, not_solicitable_reason="suspended")
    world.clock.advance(timedelta(days=1))
    await world.ambassador("quinn", zone=Territory(bassins=["lille-est"]))
    zoe, nina, quinn = (world.people[name].id for name in ("zoe", "nina", "quinn"))

    newcomers = (await _queue(world, "rita"))["new_ambassadors"]

    assert _ids(newcomers, "ambassador_id") == [zoe, nina, quinn]
    assert newcomers["total"] == 3
    assert [item["waiting_days"] for item in newcomers["items"]] == [2, 1, 0]
    assert {a["action"] for a in newcomers["items"][1]["actions"]} == {
        "view_profile",
        "solicit",
        "suspend",
    }
    assert _ids((await _queue(world, "remi"))["new_ambassadors"], "ambassador_id") == [
        world.people["omar"].id
    ]
    # A referent of a bassin sees who goes there, whole Nord included.
    assert _ids((await _queue(world, "bea"))["new_ambassadors"], "ambassador_id") == [
        zoe,
        nina,
        quinn,
    ]

    await world.solicit("paul", "zoe", in_days(5, clock=world.clock))
    await world.ambassador("nina", job_title="Data scientist")  # a new revision

    newcomers = (await _queue(world, "rita"))["new_ambassadors"]
    assert _ids(newcomers, "ambassador_id") == [nina, quinn]
    assert newcomers["items"][0]["waiting_days"] == 1
    first = await world.call("GET", "/work-queue/new-ambassadors", "rita", params={"limit": "1"})
    rest = await world.call(
        "GET",
        "/work-queue/new-ambassadors",
        "rita",
        params={"limit": "1", "cursor": first.body["next_cursor"]},
    )
    assert [i["ambassador_id"] for i in first.body["items"] + rest.body["items"]] == [nina, quinn]
    assert rest.body["next_cursor"] is None


@pytest.mark.parametrize("section", ["pending", "escalated", "new-ambassadors"])
async def test_each_list_of_the_queue_is_for_referents_and_admins_only(
    world: World, section: str
) -> None:
    world.admin()
    for who, status in (("rita", 200), ("admin", 200), ("paul", 403), ("zoe", 403)):
        answer = await world.call("GET", f"/work-queue/{section}", who)
        assert answer.status == status, (who, answer.body)


async def test_a_suggested_ambassador_who_leaves_is_no_longer_suggested(
    open_world: WorldFactory,
) -> None:
    async with open_world(reminder_after_seconds=3600, escalate_after_seconds=7200) as world:
        stuck = await _escalated_world(world)
        ali = world.people["ali"]

        await world.delete_account("ali")

        [item] = (await _queue(world, "rita"))["escalated"]["items"]
        assert item["appointment_id"] == stuck
        assert [s["ambassador_id"] for s in item["suggestions"]] == [world.people["hal"].id]
        assert await _everything_about(world, ali.id, "Ali") == []
        # Once the solicitation is no longer waiting, its suggestions are not kept.
        answer = await world.call(
            "POST", f"/appointments/{stuck}/cancel", "paul", json={"reason": "Plus besoin"}
        )
        assert answer.status == 200
        assert (await world.stored(stuck))["suggestions"] == []
