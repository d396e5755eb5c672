"""The ambassador's personal iCalendar feed, read back with a real iCalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Timezone

from shared.contracts.agenda import AppointmentAccepted
from shared.french import PARIS
from tests.agenda.conftest import World, in_days


def next_clock_change(after: datetime) -> datetime:
    """The first Europe/Paris day, after ``after``, whose UTC offset differs from the day before."""
    day = after.astimezone(PARIS).replace(hour=12, minute=0, second=0, microsecond=0)
    while True:
        following = day + timedelta(days=1)
        if following.utcoffset() != day.utcoffset():
            return following
        day = following


async def _feed_url(world: World, who: str = "zoe") -> str:
    answer = await world.call("POST", "/calendar-token", who)
    assert answer.status == 201, answer.body
    url = str(answer.body["url"])
    assert url.startswith(f"{world.settings.public_url}/api/agenda/calendar.ics?token=")
    return url


async def _get_feed(world: World, token: str) -> tuple[int, Any, dict[str, str]]:
    answer = await world.call("GET", "/calendar.ics", params={"token": token})
    return answer.status, answer.body, dict(answer.headers)


def _token(url: str) -> str:
    return url.split("token=", 1)[1]


async def _accepted(world: World, starts: datetime, **overrides: object) -> str:
    appointment_id = await world.solicit("paul", "zoe", starts, **overrides)
    answer = await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")
    assert answer.status == 200, answer.body
    return appointment_id


async def test_feed_holds_accepted_appointments_at_the_right_time_across_a_clock_change(
    world: World,
) -> None:
    change = next_clock_change(world.clock() + timedelta(days=3))
    before = (change - timedelta(days=2)).replace(hour=14)
    after = (change + timedelta(days=1)).replace(hour=14)
    assert before.utcoffset() != after.utcoffset()
    first = await _accepted(world, before)
    second = await _accepted(world, after, kind="event", duration_minutes=90)
    await world.solicit("paul", "zoe", in_days(20))  # pending: not in the feed
    url = await _feed_url(world)

    status, body, headers = await _get_feed(world, _token(url))

    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Paris"
    assert {c.name for c in vtimezone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    # The VTIMEZONE itself (not the library's own tz data) gives both offsets right.
    assert isinstance(vtimezone, Timezone)
    zone = vtimezone.to_tz()
    local_before = before.replace(tzinfo=None)
    local_after = after.replace(tzinfo=None)
    assert zone.utcoffset(local_before) == before.utcoffset()
    assert zone.utcoffset(local_after) == after.utcoffset()
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        f"{first}@agenda.prochorientation",
        f"{second}@agenda.prochorientation",
    }
    one = events[f"{first}@agenda.prochorientation"]
    two = events[f"{second}@agenda.prochorientation"]
    assert one["DTSTART"].params["TZID"] == "Europe/Paris"
    assert one.decoded("DTSTART").astimezone(UTC) == before.astimezone(UTC)
    assert two.decoded("DTSTART").astimezone(UTC) == after.astimezone(UTC)
    assert two.decoded("DTEND") - two.decoded("DTSTART") == timedelta(minutes=90)
    assert f"DTSTART;TZID=Europe/Paris:{before:%Y%m%d}T140000".encode() in body
    assert f"DTSTART;TZID=Europe/Paris:{after:%Y%m%d}T140000".encode() in body
    assert int(str(one["SEQUENCE"])) == 0
    assert "présentation en classe" in str(one["SUMMARY"])
    assert "Collège Jean Moulin" in str(one["SUMMARY"])
    assert "Paul D." in str(one["DESCRIPTION"])
    assert str(one["STATUS"]) == "CONFIRMED"


async def test_feed_and_invitation_share_the_uid(world: World) -> None:
    appointment_id = await _accepted(world, in_days(5))
    invitation: AppointmentAccepted = await world.recorded.wait_for(AppointmentAccepted)
    url = await _feed_url(world)

    _, body, _ = await _get_feed(world, _token(url))

    [event] = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["UID"]) == invitation.calendar.uid
    assert int(str(event["SEQUENCE"])) == invitation.calendar.sequence
    assert appointment_id in invitation.calendar.uid


async def test_a_cancelled_appointment_leaves_the_feed(world: World) -> None:
    appointment_id = await _accepted(world, in_days(5))
    url = await _feed_url(world)
    cancelled = await world.call(
        "POST", f"/appointments/{appointment_id}/cancel", "paul", json={"reason": "Grève"}
    )
    assert cancelled.status == 200

    _, body, _ = await _get_feed(world, _token(url))

    assert Calendar.from_ical(body).walk("VEVENT") == []


async def test_a_new_link_revokes_the_old_one_and_deleting_revokes_it(world: World) -> None:
    first = _token(await _feed_url(world))
    second = _token(await _feed_url(world))

    old_status, old_body, _ = await _get_feed(world, first)
    new_status, _, _ = await _get_feed(world, second)
    revoked = await world.call("DELETE", "/calendar-token", "zoe")
    after_status, _, _ = await _get_feed(world, second)

    assert old_status == 404
    assert old_body["error"]["code"] == "calendar_not_found"
    assert new_status == 200
    assert revoked.status == 204
    assert after_status == 404


async def test_no_token_or_a_made_up_one_opens_nothing(world: World) -> None:
    missing = await world.call("GET", "/calendar.ics")
    made_up = await world.call("GET", "/calendar.ics", params={"token": "x" * 43})

    assert (missing.status, missing.error_code) == (404, "calendar_not_found")
    assert (made_up.status, made_up.error_code) == (404, "calendar_not_found")


async def test_the_token_is_stored_hashed(world: World) -> None:
    token = _token(await _feed_url(world))

    stored = await world.db["calendar_tokens"].find_one({})

    assert stored is not None
    assert token not in str(stored)


async def test_the_ambassador_learns_whether_a_link_exists_never_its_key(world: World) -> None:
    before = await world.call("GET", "/calendar-token", "zoe")
    token = _token(await _feed_url(world))
    after = await world.call("GET", "/calendar-token", "zoe")

    assert before.status == 200
    assert before.body == {"active": False, "created_at": None}
    assert after.body["active"] is True
    assert datetime.fromisoformat(after.body["created_at"]).tzinfo is not None
    assert token not in str(after.body)


async def test_an_accepted_appointment_downloads_as_one_event_for_either_party(
    world: World,
) -> None:
    starts = in_days(6)
    accepted = await _accepted(world, starts)
    pending = await world.solicit("paul", "zoe", in_days(8))
    await world.staff("lea", uai="0620001A", establishment="Collège de Lens", postcode="62300")

    files = [
        await world.call("GET", f"/appointments/{accepted}/calendar.ics", who)
        for who in ("zoe", "paul")
    ]
    refused = await world.call("GET", f"/appointments/{pending}/calendar.ics", "paul")
    stranger = await world.call("GET", f"/appointments/{accepted}/calendar.ics", "lea")

    for answer in files:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/calendar")
        assert 'filename="rendez-vous.ics"' in answer.headers["Content-Disposition"]
        [event] = Calendar.from_ical(answer.body).walk("VEVENT")
        assert event.decoded("DTSTART") == starts
        assert str(event["UID"]) == f"{accepted}@agenda.prochorientation"
    assert (refused.status, refused.error_code) == (409, "not_accepted")
    assert stranger.status == 404
