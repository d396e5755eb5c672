"""Sending a solicitation: the visit brief, and every rule that refuses one with a 422."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from shared.contracts.accounts import Territory
from shared.contracts.agenda import SolicitationCreated
from shared.http import Principal
from tests.agenda.conftest import ARRAS_UAI, LILLE_COLLEGE, Person, World, brief, in_days


async def test_teacher_solicits_an_ambassador_who_is_told_at_once(world: World) -> None:
    starts = in_days(10, hour=14)
    answer = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, starts)
    )

    assert answer.status == 201, answer.body
    assert answer.body["status"] == "pending"
    assert answer.headers["Location"] == f"/api/agenda/appointments/{answer.body['id']}"
    event: SolicitationCreated = await world.recorded.wait_for(SolicitationCreated)
    facts = event.appointment
    assert facts.appointment_id == answer.body["id"]
    assert facts.ambassador_id == world.people["zoe"].id
    assert facts.ambassador_name == "Zoe M."
    assert facts.requester_name == "Paul D."
    assert facts.starts_at == starts
    assert facts.establishment.name == "Collège Jean Moulin"
    assert facts.establishment.department == "59"
    assert event.requester_role == "staff"

    feed = await world.call("GET", "/notifications", "zoe")
    [line] = feed.body["items"]
    assert line["kind"] == "solicitation_received"
    assert line["appointment_id"] == answer.body["id"]
    assert "Paul D." in line["text"]
    assert line["read"] is False


async def test_the_ambassador_sees_the_whole_visit_brief_and_no_contact_detail(
    world: World,
) -> None:
    starts = in_days(10, hour=9)
    appointment_id = await world.solicit(
        "paul",
        "zoe",
        starts,
        kind="event",
        format="online",
        online_url="https://visio.exemple.fr/salle-42",
        duration_minutes=90,
        sector="numerique",
    )

    seen = await world.appointment(appointment_id, "zoe")

    assert seen["kind"] == "event"
    assert seen["format"] == "online"
    assert seen["online_url"] == "https://visio.exemple.fr/salle-42"
    assert seen["starts_at"] == starts.isoformat()
    assert seen["ends_at"] == (starts + timedelta(minutes=90)).isoformat()
    assert seen["establishment"]["name"] == "Collège Jean Moulin"
    assert seen["establishment"]["uai"] == "0590001A"
    assert seen["audience"] == {"level": "3e", "group_size": 28}
    assert seen["topic"] == "Les métiers du numérique"
    assert seen["expectations"].startswith("Parcours")
    assert seen["equipment"] == "Vidéoprojecteur"
    assert seen["team_member_present"] is True
    assert seen["requester"] == {"id": world.people["paul"].id, "name": "Paul D.", "role": "staff"}
    assert seen["ambassador"]["name"] == "Zoe M."
    text = str(seen)
    assert "@" not in text.replace("https://visio.exemple.fr", "")
    assert "phone" not in text
    assert "email" not in text


async def test_a_referent_solicits_for_an_establishment_of_their_territory(world: World) -> None:
    answer = await world.call(
        "POST",
        "/solicitations",
        "rita",
        json=brief(world.people["zoe"].id, in_days(5), establishment=LILLE_COLLEGE),
    )

    assert answer.status == 201, answer.body
    event: SolicitationCreated = await world.recorded.wait_for(SolicitationCreated)
    assert event.requester_role == "referent"
    assert event.appointment.requester_name == "Rita R."


async def test_a_referent_cannot_solicit_outside_their_territory(world: World) -> None:
    amiens = {"name": "Lycée de la Hotoie", "city": "Amiens", "postcode": "80000"}
    answer = await world.call(
        "POST",
        "/solicitations",
        "rita",
        json=brief(world.people["zoe"].id, in_days(5), establishment=amiens),
    )

    assert (answer.status, answer.error_code) == (403, "outside_territory")
    assert await world.db["appointments"].count_documents({}) == 0


async def test_a_referent_must_say_where(world: World) -> None:
    answer = await world.call(
        "POST", "/solicitations", "rita", json=brief(world.people["zoe"].id, in_days(5))
    )

    assert (answer.status, answer.error_code) == (422, "establishment_required")


async def test_a_teacher_solicits_only_for_their_own_establishment(world: World) -> None:
    other = {**LILLE_COLLEGE, "uai": ARRAS_UAI}
    answer = await world.call(
        "POST",
        "/solicitations",
        "paul",
        json=brief(world.people["zoe"].id, in_days(5), establishment=other),
    )

    assert (answer.status, answer.error_code) == (403, "establishment_not_yours")
    assert await world.db["appointments"].count_documents({}) == 0


@pytest.mark.parametrize(
    ("profile", "code", "words"),
    [
        (
            {"solicitable": False, "not_solicitable_reason": "suspended"},
            "ambassador_suspended",
            "suspendu",
        ),
        (
            {"solicitable": False, "not_solicitable_reason": "record_not_verified"},
            "ambassador_not_verified",
            "casier judiciaire",
        ),
        (
            {"solicitable": False, "not_solicitable_reason": "deleted"},
            "ambassador_deleted",
            "quitté",
        ),
        (
            {"solicitable": False, "not_solicitable_reason": "record_rejected"},
            "ambassador_unavailable",
            "pour le moment",
        ),
        ({"interventions": ["event"]}, "kind_not_accepted", "type d'intervention"),
        ({"zone": Territory(departments=["80"])}, "outside_zone", "zone géographique"),
    ],
)
async def test_ambassador_who_cannot_take_this_solicitation_gives_a_clear_422(
    world: World, profile: dict[str, Any], code: str, words: str
) -> None:
    await world.ambassador("zoe", **profile)

    answer = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, in_days(5))
    )

    assert (answer.status, answer.error_code) == (422, code)
    assert words in answer.message
    assert await world.db["appointments"].count_documents({}) == 0
    assert world.recorded.of(SolicitationCreated) == []


async def test_an_ambassador_of_nord_bassins_is_solicited_only_from_those_bassins(
    world: World,
) -> None:
    # The probe's case: a Dunkerque school soliciting an ambassador of Lille's bassins.
    await world.ambassador("zoe", zone=Territory(bassins=["lille-centre", "lille-est"]))
    await world.staff("dan", city="Dunkerque", postcode="59140", bassin="dunkerque-flandre")
    # The reference data lacks this commune: its bassin is not known, so not « any ».
    await world.staff("una", city="Bourg", postcode="59999", bassin=None)
    zoe = world.people["zoe"].id

    from_lille_est = await world.call("POST", "/solicitations", "paul", json=brief(zoe, in_days(5)))
    from_dunkerque = await world.call("POST", "/solicitations", "dan", json=brief(zoe, in_days(6)))
    from_unknown = await world.call("POST", "/solicitations", "una", json=brief(zoe, in_days(7)))

    assert from_lille_est.status == 201, from_lille_est.body
    assert (from_dunkerque.status, from_dunkerque.error_code) == (422, "outside_zone")
    assert (from_unknown.status, from_unknown.error_code) == (422, "outside_zone")


async def test_a_request_made_before_agenda_knows_the_staff_member_is_placed_by_the_token(
    world: World,
) -> None:
    await world.ambassador("zoe", zone=Territory(bassins=["lille-est"]))
    # Not yet copied by agenda: the form sends the establishment, claiming Lille-Est.
    principal = Principal(
        user_id="staff-new",
        role="staff",
        session_id="s",
        establishment_uai="0599115M",
        establishment_department="59",
        establishment_bassin="dunkerque-flandre",
    )
    claimed = {"uai": "0599115M", **LILLE_COLLEGE, "bassin": "lille-est"}

    newcomer = Person(principal.user_id, "staff", world.token(principal))

    answer = await world.call(
        "POST",
        "/solicitations",
        newcomer,
        json=brief(world.people["zoe"].id, in_days(5), establishment=claimed),
    )

    assert (answer.status, answer.error_code) == (422, "outside_zone")


async def test_staff_not_yet_confirmed_can_neither_solicit_nor_read_the_establishment(
    world: World,
) -> None:
    await world.ambassador("zoe")
    await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, in_days(5))
    )
    principal = Principal(user_id="staff-waiting", role="staff", session_id="s")
    waiting = Person(principal.user_id, "staff", world.token(principal))

    solicit = await world.call(
        "POST", "/solicitations", waiting, json=brief(world.people["zoe"].id, in_days(6))
    )
    listed = await world.call("GET", "/appointments", waiting)
    calls = await world.call("GET", "/calls", waiting)

    assert (solicit.status, solicit.error_code) == (403, "staff_not_verified")
    assert "référent territorial" in solicit.message
    assert (listed.status, listed.error_code) == (403, "staff_not_verified")
    assert calls.body["items"] == []


async def test_referent_naming_the_bassin_reaches_only_ambassadors_of_that_bassin(
    world: World,
) -> None:
    await world.ambassador("zoe", zone=Territory(bassins=["lille-est"]))
    douai = {"name": "Lycée Corot", "city": "Douai", "postcode": "59500", "bassin": "douaisis"}

    answer = await world.call(
        "POST",
        "/solicitations",
        "rita",
        json=brief(world.people["zoe"].id, in_days(5), establishment=douai),
    )

    assert (answer.status, answer.error_code) == (422, "outside_zone")


async def test_unknown_ambassador_is_refused(world: World) -> None:
    answer = await world.call("POST", "/solicitations", "paul", json=brief("nobody", in_days(5)))

    assert (answer.status, answer.error_code) == (422, "ambassador_not_found")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"duration_minutes": 46}, "class_presentation_too_long"),
        ({"format": "online"}, "online_url_required"),
        ({"team_member_present": False}, "team_member_required"),
    ],
)
async def test_brief_breaking_a_rule_gives_a_clear_422(
    world: World, overrides: dict[str, Any], code: str
) -> None:
    answer = await world.call(
        "POST",
        "/solicitations",
        "paul",
        json=brief(world.people["zoe"].id, in_days(5), **overrides),
    )

    assert (answer.status, answer.error_code) == (422, code)
    assert answer.message
    assert await world.db["appointments"].count_documents({}) == 0


async def test_longer_than_45_minutes_is_fine_for_an_event(world: World) -> None:
    answer = await world.call(
        "POST",
        "/solicitations",
        "paul",
        json=brief(world.people["zoe"].id, in_days(5), kind="event", duration_minutes=180),
    )

    assert answer.status == 201, answer.body


async def test_a_start_in_the_past_is_refused(world: World) -> None:
    starts = world.clock() - timedelta(hours=1)
    answer = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, starts)
    )

    assert (answer.status, answer.error_code) == (422, "start_in_past")
    assert answer.message == "La date de début est déjà passée."


async def test_a_start_without_offset_is_a_bad_request(world: World) -> None:
    body = brief(world.people["zoe"].id, in_days(5))
    body["starts_at"] = "2030-03-03T10:00:00"
    answer = await world.call("POST", "/solicitations", "paul", json=body)

    assert (answer.status, answer.error_code) == (400, "invalid_request")
    assert "starts_at" in answer.message


async def test_paused_ambassador_cannot_be_solicited_for_a_date_in_the_pause(world: World) -> None:
    await world.ambassador("zoe", pause_from=in_days(3, hour=0), pause_to=in_days(20, hour=0))

    inside = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, in_days(10))
    )
    after = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, in_days(30))
    )

    assert (inside.status, inside.error_code) == (422, "ambassador_paused")
    assert after.status == 201


async def test_ambassador_on_pause_now_is_not_solicited_even_for_later(world: World) -> None:
    await world.ambassador(
        "zoe", pause_from=world.clock() - timedelta(days=1), pause_to=in_days(10, hour=0)
    )

    answer = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, in_days(40))
    )

    assert (answer.status, answer.error_code) == (422, "ambassador_paused")


async def test_monthly_maximum_counts_the_solicitations_of_that_month(world: World) -> None:
    await world.ambassador("zoe", max_solicitations_per_month=2)
    first = in_days(40, hour=9).replace(day=3)
    await world.solicit("paul", "zoe", first)
    await world.solicit("paul", "zoe", first.replace(day=10))

    third = await world.call(
        "POST", "/solicitations", "paul", json=brief(world.people["zoe"].id, first.replace(day=17))
    )
    next_month = await world.call(
        "POST",
        "/solicitations",
        "paul",
        json=brief(world.people["zoe"].id, first + timedelta(days=35)),
    )

    assert (third.status, third.error_code) == (422, "monthly_maximum_reached")
    assert next_month.status == 201


async def test_concurrent_solicitations_never_exceed_the_monthly_maximum(world: World) -> None:
    import asyncio

    await world.ambassador("zoe", max_solicitations_per_month=3)
    day = in_days(40, hour=9).replace(day=5)
    answers = await asyncio.gather(
        *(
            world.call(
                "POST",
                "/solicitations",
                "paul",
                json=brief(world.people["zoe"].id, day + timedelta(hours=n)),
            )
            for n in range(8)
        )
    )

    statuses = sorted(answer.status for answer in answers)
    assert statuses == [201] * 3 + [422] * 5
    assert await world.db["appointments"].count_documents({}) == 3


async def test_an_older_profile_arriving_late_does_not_undo_a_suspension(world: World) -> None:
    from shared.contracts.accounts import AmbassadorProfileChanged

    zoe = world.people["zoe"]
    await world.ambassador("zoe", solicitable=False, not_solicitable_reason="suspended")
    stale = await world.publish(
        AmbassadorProfileChanged(
            ambassador_id=zoe.id,
            revision=1,
            first_name="Zoe",
            last_initial="M.",
            profile="professional",
            interventions=["class_presentation"],
            zone=Territory(departments=["59"]),
            solicitable=True,
        )
    )
    await world.handled("copy_ambassador", stale)

    answer = await world.call("POST", "/solicitations", "paul", json=brief(zoe.id, in_days(5)))

    assert (answer.status, answer.error_code) == (422, "ambassador_suspended")
