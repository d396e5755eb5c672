"""The ambassador's dashboard: appointments upcoming and past, and the notification feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from openapi_spec_validator import validate

from shared.contracts.accounts import Territory
from tests.agenda.conftest import ARRAS_UAI, World, in_days


async def _ids(world: World, who: str, **params: str) -> list[str]:
    answer = await world.call("GET", "/appointments", who, params=params)
    assert answer.status == 200, answer.body
    return [item["id"] for item in answer.body["items"]]


async def test_upcoming_soonest_first_past_latest_first(world: World) -> None:
    # Created in the order of their dates, then time moves on past the first two.
    first = await world.solicit("paul", "zoe", in_days(2, hour=9))
    second = await world.solicit("paul", "zoe", in_days(3, hour=9))
    third = await world.solicit("paul", "zoe", in_days(8, hour=9), kind="event")
    fourth = await world.solicit("paul", "zoe", in_days(5, hour=9), kind="event")
    world.clock.move_to((await world.stored(second))["starts_at"] + timedelta(hours=2))

    upcoming = await _ids(world, "zoe", when="upcoming")
    past = await _ids(world, "zoe", when="past")

    assert upcoming == [fourth, third]
    assert past == [second, first]
    assert await _ids(world, "zoe") == upcoming  # upcoming by default


async def test_an_intervention_under_way_is_still_upcoming(world: World) -> None:
    appointment_id = await world.solicit(
        "paul", "zoe", in_days(2), kind="event", duration_minutes=120
    )
    world.clock.move_to((await world.stored(appointment_id))["starts_at"] + timedelta(minutes=30))

    assert await _ids(world, "zoe", when="upcoming") == [appointment_id]
    assert await _ids(world, "zoe", when="past") == []


async def test_status_filter_takes_a_list(world: World) -> None:
    pending = await world.solicit("paul", "zoe", in_days(2))
    accepted = await world.solicit("paul", "zoe", in_days(3))
    refused = await world.solicit("paul", "zoe", in_days(4))
    assert (await world.call("POST", f"/appointments/{accepted}/accept", "zoe")).status == 200
    assert (await world.call("POST", f"/appointments/{refused}/refuse", "zoe")).status == 200

    assert await _ids(world, "zoe", status="accepted") == [accepted]
    assert await _ids(world, "zoe", status="pending,refused") == [pending, refused]
    answer = await world.call(
        "GET",
        "/appointments",
        "zoe",
        params=[("status", "pending"), ("status", "accepted")],
    )
    assert [item["id"] for item in answer.body["items"]] == [pending, accepted]


async def test_pages_cover_the_whole_list_once(world: World) -> None:
    base = in_days(2, hour=8)
    created = [
        await world.solicit("paul", "zoe", base + timedelta(days=n // 3, hours=n % 3))
        for n in range(23)
    ]
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        answer = await world.call(
            "GET", "/appointments", "zoe", params={"limit": "10", "cursor": cursor}
        )
        assert answer.status == 200, answer.body
        seen += [item["id"] for item in answer.body["items"]]
        pages += 1
        if answer.body["next_cursor"] is None:
            break
        cursor = answer.body["next_cursor"]

    assert pages == 3
    assert seen == created


async def test_a_colleague_sees_the_establishment_s_solicitations(world: World) -> None:
    await world.staff("lea")
    appointment_id = await world.solicit("paul", "zoe", in_days(3))

    assert await _ids(world, "lea") == [appointment_id]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"when": "tomorrow"}, "invalid_request"),
        ({"status": "lost"}, "invalid_request"),
        ({"limit": "500"}, "invalid_request"),
        ({"cursor": "not-a-cursor"}, "invalid_cursor"),
    ],
)
async def test_a_bad_list_query_is_a_400(world: World, params: dict[str, str], code: str) -> None:
    answer = await world.call("GET", "/appointments", "zoe", params=params)

    assert (answer.status, answer.error_code) == (400, code)


async def test_feed_newest_first_with_read_and_unread(world: World) -> None:
    first = await world.solicit("paul", "zoe", in_days(3))
    second = await world.solicit("paul", "zoe", in_days(4))
    feed = (await world.call("GET", "/notifications", "zoe")).body["items"]
    assert [line["appointment_id"] for line in feed] == [second, first]
    assert "le " in feed[0]["text"]
    assert "Collège Jean Moulin" in feed[0]["text"]

    marked = await world.call("POST", f"/notifications/{feed[1]['id']}/read", "zoe")
    again = await world.call("POST", f"/notifications/{feed[1]['id']}/read", "zoe")
    unread = (await world.call("GET", "/notifications", "zoe", params={"unread": "true"})).body
    read = (await world.call("GET", "/notifications", "zoe", params={"unread": "false"})).body

    assert (marked.status, again.status) == (204, 204)
    assert [line["appointment_id"] for line in unread["items"]] == [second]
    assert [line["appointment_id"] for line in read["items"]] == [first]
    assert read["items"][0]["read"] is True

    everything = await world.call("POST", "/notifications/read-all", "zoe")
    assert everything.status == 204
    left = await world.call("GET", "/notifications", "zoe", params={"unread": "true"})
    assert left.body["items"] == []


async def test_feed_of_someone_with_nothing_is_empty(world: World) -> None:
    answer = await world.call("GET", "/notifications", "rita")

    assert answer.status == 200
    assert answer.body == {"items": [], "next_cursor": None}


async def test_openapi_document_is_valid_and_lists_every_route(world: World) -> None:
    answer = await world.call("GET", "/openapi.json")

    assert answer.status == 200
    document: dict[str, Any] = answer.body
    validate(document)
    paths = set(document["paths"])
    for path in (
        "/solicitations",
        "/appointments",
        "/appointments/{id}",
        "/appointments/{id}/accept",
        "/appointments/{id}/refuse",
        "/appointments/{id}/alternatives/{n}/take",
        "/appointments/{id}/cancel",
        "/appointments/{id}/feedback",
        "/notifications",
        "/notifications/{id}/read",
        "/calendar.ics",
        "/calendar-token",
    ):
        assert path in paths


async def _all_pages(world: World, who: str, limit: int, **params: str) -> list[str]:
    seen: list[str] = []
    cursor = ""
    while True:
        answer = await world.call(
            "GET", "/appointments", who, params={"limit": str(limit), "cursor": cursor, **params}
        )
        assert answer.status == 200, answer.body
        seen += [item["id"] for item in answer.body["items"]]
        if answer.body["next_cursor"] is None:
            return seen
        cursor = answer.body["next_cursor"]


async def test_pages_split_appointments_at_the_same_time_without_loss(world: World) -> None:
    starts = in_days(4, hour=10)
    created = {await world.solicit("paul", "zoe", starts) for _ in range(12)}

    seen = await _all_pages(world, "zoe", 5)

    assert len(seen) == 12
    assert set(seen) == created


async def test_past_pages_go_back_in_time(world: World) -> None:
    base = in_days(2, hour=8)
    created = [await world.solicit("paul", "zoe", base + timedelta(hours=n)) for n in range(7)]
    world.clock.move_to(base + timedelta(days=2))

    assert await _all_pages(world, "zoe", 3, when="past") == list(reversed(created))


async def test_a_referent_pages_through_every_place_of_their_territory(world: World) -> None:
    await world.ambassador("zoe", zone=Territory(departments=["59", "62"]))
    await world.staff(
        "sam", uai=ARRAS_UAI, establishment="Lycée Robespierre", city="Arras", postcode="62000"
    )
    await world.referent("ruth", ["59", "62"])
    base = in_days(3, hour=8)
    created = []
    for n in range(9):
        who = "paul" if n % 2 else "sam"
        created.append(await world.solicit(who, "zoe", base + timedelta(hours=n)))
    arras = {"name": "Lycée Robespierre", "city": "Arras", "postcode": "62000"}
    created.append(
        await world.solicit("ruth", "zoe", base + timedelta(hours=20), establishment=arras)
    )

    assert await _all_pages(world, "ruth", 4) == created
    assert await _all_pages(world, "rita", 4) == [created[n] for n in range(1, 9, 2)]
