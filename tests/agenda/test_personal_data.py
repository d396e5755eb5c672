"""Agenda's part of the person's rights: export, erasure confirmed, restriction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.contracts.agenda import AgendaExportPrepared, AgendaUserErased, CallPublished
from tests.agenda.conftest import World, brief, in_days
from tests.agenda.test_calls import publish
from tests.agenda.test_erasure import _everything_about
from tests.agenda.test_transitions import bring_to
from tests.fixtures.rabbit import wait_until


async def _export(world: World, who: str) -> dict[str, Any]:
    request_id = await world.request_export(who)
    part: AgendaExportPrepared = await world.recorded.wait_for(AgendaExportPrepared)
    assert (part.request_id, part.user_id, part.service) == (
        request_id,
        world.people[who].id,
        "agenda",
    )
    return part.data


async def test_the_ambassadors_export_holds_what_agenda_knows_of_them(world: World) -> None:
    held = await bring_to(world, "completed")
    feedback = {"rating": 5, "comment": "Des élèves très curieux."}
    assert (
        await world.call("POST", f"/appointments/{held}/feedback", "zoe", json=feedback)
    ).status == 200
    pending = await world.solicit("paul", "zoe", in_days(9, clock=world.clock))
    assert (await world.call("POST", "/calendar-token", "zoe")).status == 201
    call = await publish(world)

    data = await _export(world, "zoe")

    assert data["profile"]["first_name"] == "Zoe"
    assert data["profile"]["zone_departments"] == ["59"]
    by_id = {item["id"]: item for item in data["appointments"]}
    assert set(by_id) == {held, pending}
    assert by_id[held]["as"] == "ambassador"
    assert by_id[held]["status"] == "completed"
    assert by_id[held]["other_party"] == {"name": "Paul D."}
    assert by_id[held]["feedback_given"]["rating"] == 5
    assert by_id[held]["feedback_given"]["comment"] == "Des élèves très curieux."
    assert datetime.fromisoformat(by_id[held]["starts_at"]).utcoffset() is not None
    assert {line["kind"] for line in data["notifications"]} >= {
        "solicitation_received",
        "appointment_completed",
        "call_published",
    }
    assert data["calendar_link"]["exists"] is True
    assert [(c["id"], c["relation"]) for c in data["open_calls"]] == [(call["id"], "invited")]
    # The other party by public name only: not even their id.
    assert world.people["paul"].id not in str(data)


async def test_a_teachers_export_lists_their_solicitations_and_calls(world: World) -> None:
    solicited = await world.solicit("paul", "zoe", in_days(4, clock=world.clock))
    call = await publish(world)

    data = await _export(world, "paul")

    [appointment] = data["appointments"]
    assert (appointment["id"], appointment["as"]) == (solicited, "requester")
    assert appointment["other_party"] == {"name": "Zoe M."}
    assert appointment["message"] == brief("x", in_days(4))["message"]
    assert [(c["id"], c["relation"]) for c in data["open_calls"]] == [(call["id"], "organiser")]
    assert data["calendar_link"] == {"exists": False, "created_at": None}
    assert world.people["zoe"].id not in str(data)


async def test_agenda_confirms_the_erasure(world: World) -> None:
    await world.solicit("paul", "zoe", in_days(4, clock=world.clock))

    await world.delete_account("zoe")

    erased: AgendaUserErased = await world.recorded.wait_for(AgendaUserErased)
    assert (erased.user_id, erased.service) == (world.people["zoe"].id, "agenda")


async def test_an_attendee_who_leaves_is_erased_from_open_calls(world: World) -> None:
    zoe = world.people["zoe"]
    await world.ambassador("quinn")
    past = await publish(world, title="Salon de l'orientation", places=2, event_type="salon")
    upcoming = await publish(
        world,
        title="Portes ouvertes",
        event_type="portes_ouvertes",
        starts_at=in_days(20, clock=world.clock),
    )
    await world.recorded.wait_for(CallPublished, count=2)
    for call in (past, upcoming):
        taken = await world.call("POST", f"/calls/{call['id']}/accept", "zoe")
        assert taken.status == 200, taken.body
    world.clock.move_to(datetime.fromisoformat(past["ends_at"]) + timedelta(hours=1))
    world.wake_scheduler()

    async def held() -> bool:
        return await world.db["appointments"].count_documents({"status": "completed"}) == 1

    await wait_until(held, what="the salon to be held")

    await world.delete_account("zoe")

    after_past = (await world.call("GET", f"/calls/{past['id']}", "paul")).body
    assert [(a["ambassador_id"], a["name"]) for a in after_past["attendees"]] == [
        (after_past["attendees"][0]["ambassador_id"], "Ambassadeur ayant quitté le programme")
    ]
    assert after_past["attendees"][0]["ambassador_id"] != zoe.id
    after_upcoming = (await world.call("GET", f"/calls/{upcoming['id']}", "paul")).body
    assert (after_upcoming["attendees"], after_upcoming["places_left"]) == ([], 3)
    organiser_feed = (await world.call("GET", "/notifications", "paul")).body["items"]
    taken_lines = [line for line in organiser_feed if line["kind"] == "call_place_taken"]
    assert len(taken_lines) == 2
    assert all("Ambassadeur ayant quitté le programme" in line["text"] for line in taken_lines)
    assert await _everything_about(world, zoe.id, "Zoe") == []


async def test_a_restricted_ambassador_cannot_be_solicited_nor_accept(world: World) -> None:
    pending = await world.solicit("paul", "zoe", in_days(4, clock=world.clock))

    await world.ambassador("zoe", solicitable=False, not_solicitable_reason="restriction")

    solicited = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, in_days(5))
    )
    assert (solicited.status, solicited.error_code) == (422, "ambassador_unavailable")
    assert "limitation" not in solicited.message
    accepted = await world.call("POST", f"/appointments/{pending}/accept", "zoe")
    assert (accepted.status, accepted.error_code) == (422, "ambassador_unavailable")
