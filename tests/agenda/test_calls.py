"""Open calls for events: who is invited, first come first served, never overfilled."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from shared.contracts.accounts import Territory
from shared.contracts.agenda import AgendaPersonalDataRead, CallFilled, CallPublished
from tests.agenda.conftest import ARRAS_UAI, ASCQ_COLLEGE, LILLE_COLLEGE, World, in_days
from tests.fixtures.rabbit import wait_until


def call_body(starts_at: datetime, **overrides: Any) -> dict[str, Any]:
    """A valid call for a forum at the staff member's establishment."""
    body: dict[str, Any] = {
        "title": "Forum des métiers du numérique",
        "event_type": "forum",
        "format": "in_person",
        "starts_at": starts_at.isoformat(),
        "duration_minutes": 180,
        "audience": {"level": "3e", "group_size": 120},
        "description": "Un stand par métier, les élèves passent par groupes.",
        "places": 3,
        "wanted_sectors": ["numerique"],
    }
    body.update(overrides)
    return body


async def publish(world: World, who: str = "paul", **overrides: Any) -> dict[str, Any]:
    """Publish a call that must be accepted; the call as its organiser reads it."""
    starts = overrides.pop("starts_at", in_days(10, clock=world.clock))
    answer = await world.call("POST", "/calls", who, json=call_body(starts, **overrides))
    assert answer.status == 201, answer.body
    return dict(answer.body)


async def _feed(world: World, who: str) -> list[dict[str, Any]]:
    return list((await world.call("GET", "/notifications", who)).body["items"])


async def test_a_call_invites_the_matching_ambassadors_of_the_zone(world: World) -> None:
    await world.ambassador("quinn", zone=Territory(bassins=["lille-est"]))
    await world.ambassador("bob", sector="sante")
    await world.ambassador("cat", zone=Territory(departments=["62"]))
    await world.ambassador("fay", interventions=["class_presentation"])
    await world.ambassador("pia", solicitable=False, not_solicitable_reason="restriction")
    await world.ambassador(
        "dan", pause_from=in_days(9, clock=world.clock), pause_to=in_days(12, clock=world.clock)
    )
    invited = {world.people["zoe"].id, world.people["quinn"].id}

    call = await publish(world)

    assert (call["status"], call["places"], call["places_left"]) == ("open", 3, 3)
    assert (call["attendees"], call["invited"]) == ([], 2)
    assert call["organiser"]["name"] == "Paul D."
    assert call["establishment"]["name"] == "Collège Jean Moulin"
    published: CallPublished = await world.recorded.wait_for(CallPublished)
    assert set(published.recipient_ids) == invited
    assert (published.call.call_id, published.call.places_left) == (call["id"], 3)
    line = (await _feed(world, "zoe"))[0]
    assert (line["kind"], line["call_id"], line["appointment_id"]) == (
        "call_published",
        call["id"],
        None,
    )
    assert "Forum des métiers du numérique" in line["text"]
    assert "3 place(s)" in line["text"]
    listed = (await world.call("GET", "/calls", "zoe")).body["items"]
    assert [item["id"] for item in listed] == [call["id"]]
    assert listed[0]["attendees"] is None  # an invitee sees the places left, not who comes
    for outsider in ("bob", "cat", "pia"):
        assert (await world.call("GET", "/calls", outsider)).body["items"] == []
        answer = await world.call("GET", f"/calls/{call['id']}", outsider)
        assert (answer.status, answer.error_code) == (404, "call_not_found")


async def test_a_call_that_cannot_be_published_is_refused(world: World) -> None:
    await world.staff(
        "lea", uai=ARRAS_UAI, establishment="Lycée Robespierre", city="Arras", postcode="62000"
    )
    soon = in_days(10, clock=world.clock)
    cases = [
        ("paul", call_body(soon, wanted_sectors=["astrologie"]), 400, "invalid_request"),
        ("paul", call_body(soon, places=0), 400, "invalid_request"),
        ("paul", call_body(world.clock() - timedelta(hours=1)), 422, "start_in_past"),
        ("paul", call_body(soon, format="online"), 422, "online_url_required"),
        (
            "rita",
            call_body(soon, establishment={**LILLE_COLLEGE, "postcode": "62000", "city": "Arras"}),
            403,
            "outside_territory",
        ),
        ("rita", call_body(soon), 422, "establishment_required"),
        ("zoe", call_body(soon), 403, "forbidden"),
    ]
    for who, body, status, code in cases:
        answer = await world.call("POST", "/calls", who, json=body)
        assert (answer.status, answer.error_code) == (status, code), (who, answer.body)
    assert await world.db["calls"].count_documents({}) == 0


async def test_a_referent_calls_for_an_online_salon_of_their_territory_and_sees_who_comes(
    world: World,
) -> None:
    await world.ambassador("quinn", zone=Territory(bassins=["lille-est"]))
    await world.ambassador("cat", zone=Territory(departments=["62"]))
    admin = world.admin()
    rita, zoe = world.people["rita"].id, world.people["zoe"].id

    call = await publish(
        world,
        "rita",
        title="Salon en ligne de l'orientation",
        event_type="salon",
        format="online",
        online_url="https://visio.example.org/salon",
        establishment=ASCQ_COLLEGE,
        places=1,
    )
    published: CallPublished = await world.recorded.wait_for(CallPublished)
    taken = await world.call("POST", f"/calls/{call['id']}/accept", "zoe")
    late = await world.call("POST", f"/calls/{call['id']}/accept", "quinn")
    seen = (await world.call("GET", f"/calls/{call['id']}", "rita")).body
    by_admin = (await world.call("GET", f"/calls/{call['id']}", "admin")).body
    filled: CallFilled = await world.recorded.wait_for(CallFilled)
    await world.settled()

    assert (call["organiser"]["name"], call["format"]) == ("Rita R.", "online")
    assert set(published.recipient_ids) == {zoe, world.people["quinn"].id}
    assert (published.call.online_url, published.call.organiser_id) == (
        "https://visio.example.org/salon",
        rita,
    )
    assert taken.status == 200, taken.body
    assert (late.status, late.error_code) == (409, "call_full")
    assert (seen["status"], [a["ambassador_id"] for a in seen["attendees"]]) == ("full", [zoe])
    assert filled.recipient_ids == [world.people["quinn"].id]
    assert (await _feed(world, "rita"))[0]["kind"] == "call_place_taken"
    assert by_admin["attendees"] == seen["attendees"]
    # Who comes is people's data: an admin reading it is logged, not the organiser.
    [read] = world.recorded.of(AgendaPersonalDataRead)
    assert (read.actor_id, read.action, read.user_ids) == (admin.id, "call_attendees_read", [zoe])


async def test_twenty_ambassadors_racing_for_five_places_fill_exactly_five(world: World) -> None:
    names = [f"a{n:02d}" for n in range(20)]
    for name in names:
        await world.ambassador(name)
    call = await publish(world, places=5, wanted_sectors=[])
    await world.recorded.wait_for(CallPublished)

    answers = await asyncio.gather(
        *(world.call("POST", f"/calls/{call['id']}/accept", name) for name in names)
    )

    statuses = [answer.status for answer in answers]
    assert statuses.count(200) == 5, [(a.status, a.error_code) for a in answers]
    assert {a.error_code for a in answers if a.status != 200} == {"call_full"}
    winners = {world.people[n].id for n, a in zip(names, answers, strict=True) if a.status == 200}
    losers = {world.people[n].id for n, a in zip(names, answers, strict=True) if a.status == 409}
    seen = (await world.call("GET", f"/calls/{call['id']}", "paul")).body
    assert (seen["status"], seen["places_left"]) == ("full", 0)
    assert seen["filled_at"] is not None
    assert {a["ambassador_id"] for a in seen["attendees"]} == winners
    assert (
        await world.db["appointments"].count_documents(
            {"call_id": call["id"], "status": "accepted", "kind": "event"}
        )
        == 5
    )
    filled: CallFilled = await world.recorded.wait_for(CallFilled)
    await world.settled()
    assert len(world.recorded.of(CallFilled)) == 1
    assert set(filled.recipient_ids) == losers | {world.people["zoe"].id}
    loser = next(n for n, a in zip(names, answers, strict=True) if a.status == 409)
    assert (await _feed(world, loser))[0]["kind"] == "call_filled"
    organiser_feed = await _feed(world, "paul")
    assert sum(line["kind"] == "call_place_taken" for line in organiser_feed) == 5
    late = await world.call("POST", f"/calls/{call['id']}/accept", "zoe")
    assert (late.status, late.error_code) == (409, "call_full")


async def test_the_organiser_sees_who_comes_and_a_cancelled_place_is_given_back(
    world: World,
) -> None:
    await world.ambassador("quinn")
    call = await publish(world, places=1)

    taken = await world.call("POST", f"/calls/{call['id']}/accept", "zoe")

    assert taken.status == 200, taken.body
    assert (taken.body["attending"], taken.body["places_left"]) == (True, 0)
    assert taken.body["attendees"] is None
    appointment_id = taken.body["appointment_id"]
    for who in ("paul", "rita"):
        seen = (await world.call("GET", f"/calls/{call['id']}", who)).body
        assert [(a["ambassador_id"], a["name"]) for a in seen["attendees"]] == [
            (world.people["zoe"].id, "Zoe M.")
        ]
    again = await world.call("POST", f"/calls/{call['id']}/accept", "zoe")
    assert (again.status, again.error_code) == (409, "already_attending")
    mine = await world.appointment(appointment_id, "zoe")
    assert (mine["status"], mine["kind"], mine["topic"]) == (
        "accepted",
        "event",
        "Forum des métiers du numérique",
    )
    upcoming = (await world.call("GET", "/appointments", "zoe")).body["items"]
    assert [item["id"] for item in upcoming] == [appointment_id]
    filled: CallFilled = await world.recorded.wait_for(CallFilled)
    assert filled.recipient_ids == [world.people["quinn"].id]

    cancelled = await world.call(
        "POST", f"/appointments/{appointment_id}/cancel", "zoe", json={"reason": "Empêchement"}
    )

    assert cancelled.status == 200, cancelled.body
    reopened = (await world.call("GET", f"/calls/{call['id']}", "paul")).body
    assert (reopened["status"], reopened["places_left"], reopened["attendees"]) == ("open", 1, [])
    second = await world.call("POST", f"/calls/{call['id']}/accept", "quinn")
    assert second.status == 200, second.body


async def test_places_held_at_an_event_count_as_hours_and_its_pupils_once(world: World) -> None:
    await world.ambassador("quinn")
    world.admin()
    call = await publish(world, places=2)
    for name in ("zoe", "quinn"):
        assert (await world.call("POST", f"/calls/{call['id']}/accept", name)).status == 200
    ends = datetime.fromisoformat(call["ends_at"])

    world.clock.move_to(ends + timedelta(minutes=5))
    world.wake_scheduler()

    async def held() -> bool:
        return await world.db["appointments"].count_documents({"status": "completed"}) == 2

    await wait_until(held, what="both places to be held")
    day = ends.date().isoformat()
    stats = (await world.call("GET", "/stats", "admin", params={"from": day, "to": day})).body
    assert stats["solicitations"]["total"] == 0  # a place at an event is not a solicitation
    assert (
        stats["delivered"]["interventions"],
        stats["delivered"]["hours"],
        stats["delivered"]["pupils_reached"],
    ) == (2, 6.0, 120)
    assert stats["calls"] == {"published": 1, "places": 2, "places_taken": 2}


async def test_a_closed_call_takes_no_more_places_and_those_who_came_keep_theirs(
    world: World,
) -> None:
    await world.ambassador("quinn")
    await world.ambassador("cat", zone=Territory(departments=["62"]))
    await world.referent("remi", ["62"])
    call = await publish(world, places=3)
    taken = await world.call("POST", f"/calls/{call['id']}/accept", "zoe")
    assert taken.status == 200, taken.body
    refusals = [
        ("zoe", 403, "forbidden"),  # an ambassador does not close calls
        ("remi", 404, "call_not_found"),  # a referent of another territory does not see it
    ]
    for who, status, code in refusals:
        answer = await world.call("POST", f"/calls/{call['id']}/close", who)
        assert (answer.status, answer.error_code) == (status, code), who
    assert (await world.call("GET", f"/calls/{call['id']}", "paul")).body["status"] == "open"

    closed = await world.call("POST", f"/calls/{call['id']}/close", "rita")

    assert closed.status == 200, closed.body
    assert (closed.body["status"], closed.body["places_left"]) == ("closed", 2)
    assert closed.body["closed_at"] is not None
    assert [a["name"] for a in closed.body["attendees"]] == ["Zoe M."]
    late = await world.call("POST", f"/calls/{call['id']}/accept", "quinn")
    assert (late.status, late.error_code) == (409, "call_closed")
    again = await world.call("POST", f"/calls/{call['id']}/close", "paul")
    assert (again.status, again.error_code) == (409, "call_closed")
    mine = await world.appointment(taken.body["appointment_id"], "zoe")
    assert mine["status"] == "accepted"
    told = [line for line in await _feed(world, "quinn") if line["kind"] == "call_closed"]
    assert len(told) == 1
    assert "est clos" in told[0]["text"]
    assert not [line for line in await _feed(world, "zoe") if line["kind"] == "call_closed"]
    # A place given back does not reopen a closed call.
    await world.call(
        "POST",
        f"/appointments/{taken.body['appointment_id']}/cancel",
        "zoe",
        json={"reason": "Empêchement"},
    )
    seen = (await world.call("GET", f"/calls/{call['id']}", "paul")).body
    assert (seen["status"], seen["attendees"]) == ("closed", [])


async def test_a_call_cannot_be_closed_once_the_event_has_begun(world: World) -> None:
    call = await publish(world)
    world.clock.advance(timedelta(days=11))

    answer = await world.call("POST", f"/calls/{call['id']}/close", "paul")

    assert (answer.status, answer.error_code) == (409, "call_started")
