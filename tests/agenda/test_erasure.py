"""When someone deletes their account, agenda forgets them but keeps the counts."""

from __future__ import annotations

from shared.contracts.accounts import AmbassadorProfileChanged, Territory
from shared.contracts.agenda import AppointmentCancelled
from tests.agenda.conftest import World, brief, in_days
from tests.agenda.test_transitions import bring_to

TOMBSTONE_FIELDS = {"_id", "revision", "deleted", "solicitable", "not_solicitable_reason", "as_of"}
COLLECTIONS = (
    "appointments",
    "notifications",
    "ambassadors",
    "staff",
    "referents",
    "calendar_tokens",
    "calls",
)


async def _everything_about(world: World, *needles: str) -> list[str]:
    """Agenda's own data that still mentions one of ``needles``.

    A tombstone (the bare id marked deleted, so that a late event cannot bring the
    person back) is allowed; it must hold nothing else.
    """
    found = []
    for name in COLLECTIONS:
        async for document in world.db[name].find({}):
            if document.get("deleted"):
                kept = {key for key, value in document.items() if value not in (None, "", [])}
                assert kept <= TOMBSTONE_FIELDS, kept
                continue
            text = str(document)
            found += [f"{name}: {needle} in {text}" for needle in needles if needle in text]
    return found


async def test_ambassador_who_leaves_is_erased_future_cancelled_past_still_counted(
    world: World,
) -> None:
    zoe = world.people["zoe"]
    held = await bring_to(world, "completed")
    feedback = await world.call(
        "POST",
        f"/appointments/{held}/feedback",
        "zoe",
        json={"rating": 5, "comment": "Merci à Monsieur Durand, mon voisin !"},
    )
    assert feedback.status == 200
    upcoming = await world.solicit("paul", "zoe", in_days(6, clock=world.clock))
    assert (await world.call("POST", f"/appointments/{upcoming}/accept", "zoe")).status == 200
    assert (await world.call("POST", "/calendar-token", "zoe")).status == 201

    await world.delete_account("zoe")

    cancelled: AppointmentCancelled = await world.recorded.wait_for(AppointmentCancelled)
    assert cancelled.appointment.appointment_id == upcoming
    assert cancelled.cancelled_by == "ambassador"
    assert cancelled.reason == "La personne a supprimé son compte."
    assert cancelled.calendar is not None  # paul's calendar gets the CANCEL
    paul_feed = (await world.call("GET", "/notifications", "paul")).body["items"]
    assert paul_feed[0]["kind"] == "appointment_cancelled"
    assert paul_feed[0]["appointment_id"] == upcoming

    past = await world.appointment(held, "paul")
    assert past["status"] == "completed"
    assert past["ambassador"]["id"] is None
    assert past["ambassador"]["name"] == "Ambassadeur ayant quitté le programme"
    assert past["ambassador"]["sector"] == "numerique"
    assert past["feedback"]["ambassador"] == {
        "rating": 5,
        "comment": None,
        "given_at": past["feedback"]["ambassador"]["given_at"],
    }
    assert (await world.appointment(upcoming, "paul"))["status"] == "cancelled"
    assert await _everything_about(world, zoe.id, "Zoe", "Durand") == []
    stored = await world.stored(held)
    assert stored["ambassador_id"].startswith("gone-")
    upcoming_stored = await world.stored(upcoming)
    assert upcoming_stored["ambassador_id"] == stored["ambassador_id"]


async def test_a_departed_ambassador_cannot_be_solicited_even_if_an_old_profile_arrives(
    world: World,
) -> None:
    zoe = world.people["zoe"]
    await world.delete_account("zoe")
    late = await world.publish(
        AmbassadorProfileChanged(
            ambassador_id=zoe.id,
            revision=99,
            first_name="Zoe",
            last_initial="M.",
            profile="professional",
            interventions=["class_presentation"],
            zone=Territory(departments=["59"]),
            solicitable=True,
        )
    )
    await world.handled("copy_ambassador", late)

    answer = await world.call("POST", "/solicitations", "paul", json=brief(zoe.id, in_days(5)))

    assert (answer.status, answer.error_code) == (422, "ambassador_deleted")
    assert await _everything_about(world, "Zoe") == []


async def test_teacher_who_leaves_has_their_solicitations_cancelled_and_the_ambassador_told(
    world: World,
) -> None:
    paul = world.people["paul"]
    pending = await world.solicit("paul", "zoe", in_days(5))
    refused = await bring_to(world, "refused")

    await world.delete_account("paul")

    cancelled: AppointmentCancelled = await world.recorded.wait_for(AppointmentCancelled)
    assert cancelled.appointment.appointment_id == pending
    assert cancelled.cancelled_by == "requester"
    zoe_feed = (await world.call("GET", "/notifications", "zoe")).body["items"]
    assert zoe_feed[0]["kind"] == "appointment_cancelled"
    for appointment_id in (pending, refused):
        seen = await world.appointment(appointment_id, "zoe")
        assert seen["requester"]["id"] is None
        assert seen["requester"]["name"] == "Personne ayant quitté le programme"
        assert seen["message"] is None
    assert await _everything_about(world, paul.id, "Paul") == []


async def test_erasure_handled_twice_changes_nothing_more(world: World) -> None:
    from shared.contracts.accounts import UserDeleted

    upcoming = await world.solicit("paul", "zoe", in_days(5))
    event = UserDeleted(
        user_id=world.people["zoe"].id, role="ambassador", email="zoe@exemple.fr", first_name="Zoé"
    )
    first = await world.publish(event)
    await world.handled("erase_user", first)
    again = first.model_copy()
    await world.platform.bus.publish(again)
    await world.settled()

    assert (await world.stored(upcoming))["status"] == "cancelled"
    assert len(world.recorded.of(AppointmentCancelled)) == 1
