"""Reads of people's data by referents and admins are reported for the audit log.

Accounts keeps the log; agenda tells it, through ``agenda.personal_data.read``, whom
each answer showed to a referent or an admin. Parties reading their own appointments,
staff and ambassadors, and figures that name nobody are not reported.
"""

from __future__ import annotations

from shared.contracts.agenda import AgendaPersonalDataRead
from tests.agenda.conftest import World, in_days


def _reads(world: World) -> list[tuple[str, str, list[str]]]:
    return [
        (read.actor_id, read.action, read.user_ids)
        for read in world.recorded.of(AgendaPersonalDataRead)
    ]


async def test_a_referent_reading_others_appointments_is_reported_not_a_party(
    world: World,
) -> None:
    zoe, paul, rita = (world.people[name].id for name in ("zoe", "paul", "rita"))
    asked_by_paul = await world.solicit("paul", "zoe", in_days(5, clock=world.clock))
    asked_by_rita = await world.solicit("rita", "zoe", in_days(6, clock=world.clock))

    await world.appointment(asked_by_paul, "paul")  # a party
    await world.appointment(asked_by_paul, "zoe")  # a party
    await world.appointment(asked_by_rita, "rita")  # a party, though a referent
    await world.appointment(asked_by_paul, "rita")  # of her territory: reported
    listed = await world.call("GET", "/appointments", "rita")
    await world.settled()

    assert [item["id"] for item in listed.body["items"]] == [asked_by_paul, asked_by_rita]
    assert _reads(world) == [
        (rita, "appointment_read", [zoe, paul]),
        (rita, "appointments_listed", [zoe, paul]),  # not for her own solicitation
    ]
    [read] = world.recorded.of(AgendaPersonalDataRead)[:1]
    assert (read.actor_role, read.service) == ("referent", "agenda")


async def test_the_work_queue_and_an_events_attendees_are_reported_figures_are_not(
    world: World,
) -> None:
    admin = world.admin()
    await world.ambassador("nina")  # nobody will solicit her: a newcomer of the queue
    zoe, paul, nina = (world.people[name].id for name in ("zoe", "paul", "nina"))
    await world.solicit("paul", "zoe", in_days(5, clock=world.clock))
    published = await world.call(
        "POST",
        "/calls",
        "paul",
        json={
            "title": "Forum des métiers",
            "event_type": "forum",
            "starts_at": in_days(10, clock=world.clock).isoformat(),
            "duration_minutes": 120,
            "audience": {"level": "3e", "group_size": 90},
            "places": 2,
        },
    )
    assert published.status == 201, published.body
    call_id = published.body["id"]
    assert (await world.call("POST", f"/calls/{call_id}/accept", "nina")).status == 200

    await world.call("GET", f"/calls/{call_id}", "paul")  # the organiser, a teacher
    await world.call("GET", "/stats", "admin")  # figures name nobody
    queue = await world.call("GET", "/work-queue", "admin")
    seen = await world.call("GET", f"/calls/{call_id}", "admin")
    await world.settled()

    assert queue.status == seen.status == 200
    assert [a["ambassador_id"] for a in seen.body["attendees"]] == [nina]
    assert _reads(world) == [
        (admin.id, "work_queue_listed", [zoe, paul, nina]),
        (admin.id, "call_attendees_read", [nina]),
    ]
