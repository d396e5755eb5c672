"""The status machine: every answer, cancellation and feedback; illegal moves change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.contracts.agenda import (
    AppointmentAccepted,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentRefused,
)
from tests.agenda.conftest import World, in_days
from tests.fixtures.rabbit import wait_until


async def _status(world: World, appointment_id: str) -> str:
    return str((await world.stored(appointment_id))["status"])


async def bring_to(world: World, status: str) -> str:
    """A solicitation from paul to zoe, brought to ``status`` the way users and time would."""
    appointment_id = await world.solicit("paul", "zoe", in_days(3, hour=10))
    if status == "accepted" or status == "completed":
        answer = await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")
        assert answer.status == 200, answer.body
    elif status == "refused":
        slot = {"starts_at": in_days(8, hour=14).isoformat(), "duration_minutes": 45}
        answer = await world.call(
            "POST",
            f"/appointments/{appointment_id}/refuse",
            "zoe",
            json={"alternative_slots": [slot]},
        )
        assert answer.status == 200, answer.body
    elif status == "cancelled":
        answer = await world.call(
            "POST", f"/appointments/{appointment_id}/cancel", "paul", json={"reason": "Grève"}
        )
        assert answer.status == 200, answer.body
    if status in ("expired", "completed"):
        world.clock.advance(timedelta(days=4))
        world.agenda.schedule_changed.set()

        async def reached() -> bool:
            return await _status(world, appointment_id) == status

        await wait_until(reached, what=f"the appointment to be {status}")
    return appointment_id


async def test_ambassador_accepts_and_both_sides_get_an_invitation(world: World) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(6, hour=10))

    answer = await world.call(
        "POST",
        f"/appointments/{appointment_id}/accept",
        "zoe",
        json={"message": "Avec plaisir !"},
    )

    assert answer.status == 200, answer.body
    assert answer.body["status"] == "accepted"
    assert answer.body["answer"]["message"] == "Avec plaisir !"
    event: AppointmentAccepted = await world.recorded.wait_for(AppointmentAccepted)
    assert event.appointment.appointment_id == appointment_id
    assert event.message == "Avec plaisir !"
    assert event.calendar.uid == f"{appointment_id}@agenda.prochorientation"
    assert event.calendar.sequence == 0
    feed = await world.call("GET", "/notifications", "paul")
    assert [line["kind"] for line in feed.body["items"]] == ["appointment_accepted"]


async def test_accepting_needs_no_body(world: World) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(6))

    answer = await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")

    assert answer.status == 200, answer.body
    assert answer.body["answer"]["message"] is None


async def test_accepting_over_another_accepted_appointment_is_a_conflict(world: World) -> None:
    first = await world.solicit("paul", "zoe", in_days(6, hour=10))
    overlapping = await world.solicit(
        "paul",
        "zoe",
        in_days(6, hour=10) + timedelta(minutes=30),
        kind="event",
        duration_minutes=60,
    )
    accepted = await world.call("POST", f"/appointments/{first}/accept", "zoe")
    assert accepted.status == 200
    before = await world.stored(overlapping)

    answer = await world.call("POST", f"/appointments/{overlapping}/accept", "zoe")

    assert (answer.status, answer.error_code) == (409, "overlapping_appointment")
    assert answer.body["error"]["details"]["appointment_ids"] == [first]
    assert await world.stored(overlapping) == before
    assert len(world.recorded.of(AppointmentAccepted)) == 1


async def test_back_to_back_appointments_do_not_overlap(world: World) -> None:
    first = await world.solicit("paul", "zoe", in_days(6, hour=10))
    after = await world.solicit("paul", "zoe", in_days(6, hour=10) + timedelta(minutes=45))

    assert (await world.call("POST", f"/appointments/{first}/accept", "zoe")).status == 200
    assert (await world.call("POST", f"/appointments/{after}/accept", "zoe")).status == 200


async def test_refusal_with_alternatives_lets_the_school_take_a_slot(world: World) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(6, hour=10))
    slots = [
        {"starts_at": in_days(9, hour=14).isoformat(), "duration_minutes": 45},
        {"starts_at": in_days(12, hour=9).isoformat(), "duration_minutes": 30},
    ]

    refused = await world.call(
        "POST",
        f"/appointments/{appointment_id}/refuse",
        "zoe",
        json={"message": "Je suis en déplacement ce jour-là.", "alternative_slots": slots},
    )

    assert refused.status == 200, refused.body
    assert refused.body["status"] == "refused"
    assert refused.body["answer"]["message"] == "Je suis en déplacement ce jour-là."
    assert [s["starts_at"] for s in refused.body["alternative_slots"]] == [
        s["starts_at"] for s in slots
    ]
    event: AppointmentRefused = await world.recorded.wait_for(AppointmentRefused)
    assert event.message == "Je suis en déplacement ce jour-là."
    assert [slot.duration_minutes for slot in event.alternative_slots] == [45, 30]

    taken = await world.call("POST", f"/appointments/{appointment_id}/alternatives/1/take", "paul")

    assert taken.status == 201, taken.body
    assert taken.body["status"] == "accepted"
    assert taken.body["starts_at"] == slots[1]["starts_at"]
    assert taken.body["duration_minutes"] == 30
    assert taken.body["taken_from"] == appointment_id
    assert taken.body["topic"] == "Les métiers du numérique"
    assert taken.headers["Location"] == f"/api/agenda/appointments/{taken.body['id']}"
    original = await world.appointment(appointment_id, "paul")
    assert original["taken_as"] == taken.body["id"]
    assert [s["taken"] for s in original["alternative_slots"]] == [False, True]
    accepted: AppointmentAccepted = await world.recorded.wait_for(AppointmentAccepted)
    assert accepted.taken_from == appointment_id
    assert accepted.appointment.appointment_id == taken.body["id"]
    feed = await world.call("GET", "/notifications", "zoe")
    assert feed.body["items"][0]["kind"] == "alternative_taken"


async def test_a_slot_is_taken_once(world: World) -> None:
    appointment_id = await bring_to(world, "refused")
    first = await world.call("POST", f"/appointments/{appointment_id}/alternatives/0/take", "paul")
    assert first.status == 201

    again = await world.call("POST", f"/appointments/{appointment_id}/alternatives/0/take", "paul")

    assert (again.status, again.error_code) == (409, "alternative_already_taken")
    assert await world.db["appointments"].count_documents({}) == 2


@pytest.mark.parametrize("index", ["1", "-1", "x"])
async def test_a_slot_not_offered_is_not_found(world: World, index: str) -> None:
    appointment_id = await bring_to(world, "refused")

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/alternatives/{index}/take", "paul"
    )

    assert (answer.status, answer.error_code) == (404, "alternative_not_found")


async def test_taking_a_slot_over_an_accepted_appointment_is_a_conflict(world: World) -> None:
    appointment_id = await bring_to(world, "refused")
    offered = in_days(8, hour=14)
    busy = await world.solicit("paul", "zoe", offered + timedelta(minutes=15), kind="event")
    assert (await world.call("POST", f"/appointments/{busy}/accept", "zoe")).status == 200

    answer = await world.call("POST", f"/appointments/{appointment_id}/alternatives/0/take", "paul")

    assert (answer.status, answer.error_code) == (409, "overlapping_appointment")
    assert (await world.stored(appointment_id)).get("taken_as") is None


@pytest.mark.parametrize(
    ("slots", "status", "code"),
    [
        ([{"starts_at": "past", "duration_minutes": 45}], 422, "start_in_past"),
        ([{"starts_at": "later", "duration_minutes": 60}], 422, "class_presentation_too_long"),
        ([{"starts_at": "later", "duration_minutes": 30}] * 4, 400, "invalid_request"),
    ],
)
async def test_refusal_with_a_bad_slot_changes_nothing(
    world: World, slots: list[dict[str, Any]], status: int, code: str
) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(6))
    before = await world.stored(appointment_id)
    moments = {
        "past": (world.clock() - timedelta(days=1)).isoformat(),
        "later": in_days(9).isoformat(),
    }
    body = [{**slot, "starts_at": moments[slot["starts_at"]]} for slot in slots]

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/refuse", "zoe", json={"alternative_slots": body}
    )

    assert (answer.status, answer.error_code) == (status, code)
    assert await world.stored(appointment_id) == before


async def test_cancellation_two_days_ahead_is_on_time_and_tells_the_ambassador(
    world: World,
) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(5, hour=10))

    answer = await world.call(
        "POST",
        f"/appointments/{appointment_id}/cancel",
        "paul",
        json={"reason": "Sortie scolaire déplacée"},
    )

    assert answer.status == 200, answer.body
    assert answer.body["status"] == "cancelled"
    assert answer.body["cancellation"]["by"] == "requester"
    assert answer.body["cancellation"]["late"] is False
    assert answer.body["cancellation"]["reason"] == "Sortie scolaire déplacée"
    event: AppointmentCancelled = await world.recorded.wait_for(AppointmentCancelled)
    assert (event.cancelled_by, event.late, event.calendar) == ("requester", False, None)
    feed = await world.call("GET", "/notifications", "zoe")
    assert feed.body["items"][0]["kind"] == "appointment_cancelled"
    paul_feed = await world.call("GET", "/notifications", "paul")
    assert paul_feed.body["items"] == []


async def test_late_cancellation_of_an_accepted_appointment_removes_the_invitation(
    world: World,
) -> None:
    starts = world.clock() + timedelta(hours=30)
    appointment_id = await world.solicit("paul", "zoe", starts)
    assert (await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")).status == 200

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/cancel", "zoe", json={"reason": "Malade"}
    )

    assert answer.status == 200, answer.body
    assert answer.body["cancellation"]["late"] is True
    event: AppointmentCancelled = await world.recorded.wait_for(AppointmentCancelled)
    assert event.cancelled_by == "ambassador"
    assert event.late is True
    # Same UID as the invitation; the notifier sends SEQUENCE + 1 with METHOD:CANCEL.
    assert event.calendar is not None
    assert event.calendar.uid == f"{appointment_id}@agenda.prochorientation"
    assert event.calendar.sequence == 0
    assert (await world.stored(appointment_id))["calendar"]["sequence"] == 1
    assert (
        "(annulation tardive)"
        in (await world.call("GET", "/notifications", "paul")).body["items"][0]["text"]
    )


async def test_the_zone_referent_may_cancel_and_both_parties_are_told(world: World) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(5))

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/cancel", "rita", json={"reason": "Doublon"}
    )

    assert answer.status == 200, answer.body
    assert answer.body["cancellation"]["by"] == "referent"
    for who in ("zoe", "paul"):
        feed = await world.call("GET", "/notifications", who)
        assert "appointment_cancelled" in [line["kind"] for line in feed.body["items"]]


async def test_cancelling_without_a_reason_is_a_bad_request(world: World) -> None:
    appointment_id = await world.solicit("paul", "zoe", in_days(5))

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/cancel", "paul", json={"reason": "  "}
    )

    assert (answer.status, answer.error_code) == (400, "invalid_request")
    assert await _status(world, appointment_id) == "pending"


async def test_an_appointment_under_way_cannot_be_cancelled(world: World) -> None:
    appointment_id = await bring_to(world, "accepted")
    world.clock.move_to((await world.stored(appointment_id))["starts_at"] + timedelta(minutes=10))

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/cancel", "paul", json={"reason": "Trop tard"}
    )

    assert (answer.status, answer.error_code) == (409, "already_started")


async def test_completed_appointment_asks_both_sides_for_feedback_once_each(world: World) -> None:
    appointment_id = await bring_to(world, "completed")

    completed: AppointmentCompleted = await world.recorded.wait_for(AppointmentCompleted)
    assert completed.appointment.appointment_id == appointment_id
    for who in ("zoe", "paul"):
        feed = await world.call("GET", "/notifications", who)
        assert feed.body["items"][0]["kind"] == "appointment_completed"

    mine = await world.call(
        "POST",
        f"/appointments/{appointment_id}/feedback",
        "zoe",
        json={"rating": 5, "comment": "Classe très curieuse."},
    )
    theirs = await world.call(
        "POST", f"/appointments/{appointment_id}/feedback", "paul", json={"rating": 4}
    )
    again = await world.call(
        "POST", f"/appointments/{appointment_id}/feedback", "zoe", json={"rating": 1}
    )

    assert mine.status == 200, mine.body
    assert theirs.status == 200, theirs.body
    assert (again.status, again.error_code) == (409, "feedback_already_given")
    feedback = (await world.appointment(appointment_id, "paul"))["feedback"]
    assert feedback["ambassador"]["rating"] == 5
    assert feedback["ambassador"]["comment"] == "Classe très curieuse."
    assert feedback["requester"]["rating"] == 4
    assert len(world.recorded.of(AppointmentCompleted)) == 1


async def test_feedback_before_the_end_is_refused(world: World) -> None:
    appointment_id = await bring_to(world, "accepted")

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/feedback", "zoe", json={"rating": 5}
    )

    assert (answer.status, answer.error_code) == (409, "not_finished")


@pytest.mark.parametrize("rating", [0, 6])
async def test_feedback_rating_is_one_to_five(world: World, rating: int) -> None:
    appointment_id = await bring_to(world, "completed")

    answer = await world.call(
        "POST", f"/appointments/{appointment_id}/feedback", "zoe", json={"rating": rating}
    )

    assert (answer.status, answer.error_code) == (400, "invalid_request")


ILLEGAL: list[tuple[str, str, str, str]] = [
    # (status, who, action, error code)
    ("pending", "paul", "take", "not_refused"),
    ("pending", "zoe", "feedback", "not_held"),
    ("accepted", "zoe", "accept", "not_pending"),
    ("accepted", "zoe", "refuse", "not_pending"),
    ("accepted", "paul", "take", "not_refused"),
    ("refused", "zoe", "accept", "not_pending"),
    ("refused", "zoe", "refuse", "not_pending"),
    ("refused", "paul", "cancel", "not_cancellable"),
    ("refused", "zoe", "feedback", "not_held"),
    ("cancelled", "zoe", "accept", "not_pending"),
    ("cancelled", "zoe", "refuse", "not_pending"),
    ("cancelled", "paul", "cancel", "not_cancellable"),
    ("cancelled", "paul", "take", "not_refused"),
    ("cancelled", "zoe", "feedback", "not_held"),
    ("expired", "zoe", "accept", "not_pending"),
    ("expired", "zoe", "refuse", "not_pending"),
    ("expired", "paul", "cancel", "not_cancellable"),
    ("expired", "paul", "take", "not_refused"),
    ("expired", "zoe", "feedback", "not_held"),
    ("completed", "zoe", "accept", "not_pending"),
    ("completed", "zoe", "refuse", "not_pending"),
    ("completed", "paul", "cancel", "not_cancellable"),
    ("completed", "paul", "take", "not_refused"),
]


async def _act(world: World, appointment_id: str, who: str, action: str) -> Any:
    path = f"/appointments/{appointment_id}"
    if action == "take":
        return await world.call("POST", f"{path}/alternatives/0/take", who)
    body = {"cancel": {"reason": "Essai"}, "feedback": {"rating": 3}}.get(action)
    return await world.call("POST", f"{path}/{action}", who, json=body)


@pytest.mark.parametrize(("status", "who", "action", "code"), ILLEGAL)
async def test_illegal_transition_is_refused_and_changes_nothing(
    world: World, status: str, who: str, action: str, code: str
) -> None:
    appointment_id = await bring_to(world, status)
    await world.settled()
    before = await world.stored(appointment_id)
    events_before = len(world.recorded.events)
    feed_before = await world.db["notifications"].count_documents({})

    answer = await _act(world, appointment_id, who, action)

    assert answer.status == 409, answer.body
    assert answer.error_code == code
    assert answer.message
    assert await world.stored(appointment_id) == before
    assert await world.db["notifications"].count_documents({}) == feed_before
    assert await world.db["appointments"].count_documents({}) == 1
    assert len(world.recorded.events) == events_before


async def test_accepting_a_solicitation_whose_start_has_passed_is_refused(world: World) -> None:
    starts = in_days(2)
    appointment_id = await world.solicit("paul", "zoe", starts)
    # The ambassador answers just after the start, maybe before the scheduler expired it.
    world.clock.move_to(starts + timedelta(minutes=1))

    answer = await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")

    assert (answer.status, answer.error_code) == (409, "not_pending")
    assert "expirée" in answer.message
    assert (await world.stored(appointment_id))["status"] != "accepted"
