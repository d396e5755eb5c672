"""Who may see and do what: the authorization matrix of the agenda.

The cast, around one solicitation from « paul » (teacher at a Lille collège) to
« zoe » (ambassador of the Nord): another ambassador « max », paul's colleague
« lea », « sam » a teacher in Arras, « rita » the Nord's referent, « remi » the
Somme's referent, an admin, a partner, and an anonymous caller.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from shared.contracts.accounts import Territory
from shared.http import Principal
from tests.agenda.conftest import ARRAS_UAI, World, WorldFactory, in_days
from tests.agenda.test_transitions import bring_to

EVERYONE = ["anonymous", "zoe", "max", "paul", "lea", "sam", "rita", "remi", "admin", "partner"]


@pytest_asyncio.fixture
async def cast(open_world: WorldFactory) -> AsyncIterator[World]:
    """The world with the whole cast."""
    async with open_world() as world:
        await world.ambassador("zoe")
        await world.ambassador("max", zone=Territory(departments=["62"]))
        await world.staff("paul")
        await world.staff("lea")
        await world.staff(
            "sam", uai=ARRAS_UAI, establishment="Lycée Robespierre", city="Arras", postcode="62000"
        )
        await world.referent("rita", ["59"])
        await world.referent("remi", ["80"])
        world.admin()
        partner = Principal(
            user_id="partner-1", role="partner", session_id="s", organization_id="org-1"
        )
        from tests.agenda.conftest import Person

        world.people["partner"] = Person("partner-1", "partner", world.token(partner))
        yield world


def _who(name: str) -> str | None:
    return None if name == "anonymous" else name


READ = {
    "anonymous": 401,
    "zoe": 200,
    "max": 404,
    "paul": 200,
    "lea": 200,
    "sam": 404,
    "rita": 200,
    "remi": 404,
    "admin": 200,
    "partner": 403,
}


@pytest.mark.parametrize("actor", EVERYONE)
async def test_who_reads_a_solicitation(cast: World, actor: str) -> None:
    appointment_id = await cast.solicit("paul", "zoe", in_days(5))

    answer = await cast.call("GET", f"/appointments/{appointment_id}", _who(actor))

    assert answer.status == READ[actor], answer.body
    if answer.status == 404:
        # Someone else's appointment looks like no appointment at all.
        assert answer.error_code == "appointment_not_found"


LISTED = {
    "zoe": True,
    "max": False,
    "paul": True,
    "lea": True,
    "sam": False,
    "rita": True,
    "remi": False,
    "admin": True,
}


@pytest.mark.parametrize("actor", EVERYONE)
async def test_who_finds_it_in_their_list(cast: World, actor: str) -> None:
    appointment_id = await cast.solicit("paul", "zoe", in_days(5))

    answer = await cast.call("GET", "/appointments", _who(actor))

    if actor == "anonymous":
        assert answer.status == 401
        return
    if actor == "partner":
        assert answer.status == 403
        return
    assert answer.status == 200, answer.body
    ids = [item["id"] for item in answer.body["items"]]
    assert (appointment_id in ids) is LISTED[actor]


ANSWER = {
    "anonymous": (401, "unauthorized"),
    "zoe": (200, None),
    "max": (404, "appointment_not_found"),
    "paul": (403, "forbidden"),
    "lea": (403, "forbidden"),
    "sam": (403, "forbidden"),
    "rita": (403, "forbidden"),
    "remi": (403, "forbidden"),
    "admin": (403, "forbidden"),
    "partner": (403, "forbidden"),
}


@pytest.mark.parametrize("action", ["accept", "refuse"])
@pytest.mark.parametrize("actor", EVERYONE)
async def test_only_the_solicited_ambassador_answers(cast: World, actor: str, action: str) -> None:
    appointment_id = await cast.solicit("paul", "zoe", in_days(5))

    answer = await cast.call("POST", f"/appointments/{appointment_id}/{action}", _who(actor))

    assert (answer.status, answer.error_code) == ANSWER[actor], answer.body
    expected = {"accept": "accepted", "refuse": "refused"}[action] if actor == "zoe" else "pending"
    assert (await cast.stored(appointment_id))["status"] == expected


CANCEL = {
    "anonymous": (401, "unauthorized"),
    "zoe": (200, None),
    "max": (404, "appointment_not_found"),
    "paul": (200, None),
    "lea": (403, "not_a_party"),
    "sam": (404, "appointment_not_found"),
    "rita": (200, None),
    "remi": (404, "appointment_not_found"),
    "admin": (200, None),
    "partner": (403, "forbidden"),
}


@pytest.mark.parametrize("actor", EVERYONE)
async def test_who_cancels(cast: World, actor: str) -> None:
    appointment_id = await cast.solicit("paul", "zoe", in_days(5))

    answer = await cast.call(
        "POST", f"/appointments/{appointment_id}/cancel", _who(actor), json={"reason": "Essai"}
    )

    assert (answer.status, answer.error_code) == CANCEL[actor], answer.body
    expected = "cancelled" if CANCEL[actor][0] == 200 else "pending"
    assert (await cast.stored(appointment_id))["status"] == expected


TAKE = {
    "anonymous": (401, "unauthorized"),
    "zoe": (403, "forbidden"),
    "max": (403, "forbidden"),
    "paul": (201, None),
    "lea": (403, "not_the_requester"),
    "sam": (404, "appointment_not_found"),
    "rita": (403, "not_the_requester"),
    "remi": (404, "appointment_not_found"),
    "admin": (403, "forbidden"),
    "partner": (403, "forbidden"),
}


@pytest.mark.parametrize("actor", EVERYONE)
async def test_only_the_requester_takes_an_offered_slot(cast: World, actor: str) -> None:
    appointment_id = await bring_to(cast, "refused")

    answer = await cast.call(
        "POST", f"/appointments/{appointment_id}/alternatives/0/take", _who(actor)
    )

    assert (answer.status, answer.error_code) == TAKE[actor], answer.body
    created = 2 if TAKE[actor][0] == 201 else 1
    assert await cast.db["appointments"].count_documents({}) == created


FEEDBACK = {
    "anonymous": (401, "unauthorized"),
    "zoe": (200, None),
    "max": (404, "appointment_not_found"),
    "paul": (200, None),
    "lea": (403, "not_a_party"),
    "sam": (404, "appointment_not_found"),
    "rita": (403, "not_a_party"),
    "remi": (404, "appointment_not_found"),
    "admin": (403, "forbidden"),
    "partner": (403, "forbidden"),
}


@pytest.mark.parametrize("actor", EVERYONE)
async def test_only_the_parties_give_feedback(cast: World, actor: str) -> None:
    appointment_id = await bring_to(cast, "completed")

    answer = await cast.call(
        "POST", f"/appointments/{appointment_id}/feedback", _who(actor), json={"rating": 4}
    )

    assert (answer.status, answer.error_code) == FEEDBACK[actor], answer.body
    given = (await cast.stored(appointment_id)).get("feedback", {})
    assert len(given) == (1 if FEEDBACK[actor][0] == 200 else 0)


SOLICIT: dict[str, tuple[int, str | None]] = {
    "anonymous": (401, "unauthorized"),
    "zoe": (403, "forbidden"),
    "admin": (403, "forbidden"),
    "partner": (403, "forbidden"),
    "paul": (201, None),
    "rita": (201, None),
    "remi": (403, "outside_territory"),
}


@pytest.mark.parametrize("actor", list(SOLICIT))
async def test_who_solicits(cast: World, actor: str) -> None:
    from tests.agenda.conftest import LILLE_COLLEGE, brief

    body: dict[str, Any] = brief(cast.people["zoe"].id, in_days(5), establishment=LILLE_COLLEGE)

    answer = await cast.call("POST", "/solicitations", _who(actor), json=body)

    assert (answer.status, answer.error_code) == SOLICIT[actor], answer.body


async def test_nobody_reads_or_marks_someone_elses_notification(cast: World) -> None:
    await cast.solicit("paul", "zoe", in_days(5))
    [line] = (await cast.call("GET", "/notifications", "zoe")).body["items"]

    others = await cast.call("GET", "/notifications", "max")
    marked = await cast.call("POST", f"/notifications/{line['id']}/read", "max")

    assert others.body["items"] == []
    assert (marked.status, marked.error_code) == (404, "notification_not_found")
    assert (await cast.call("GET", "/notifications", "zoe")).body["items"][0]["read"] is False


@pytest.mark.parametrize(
    ("actor", "status"), [("zoe", 201), ("paul", 403), ("rita", 403), ("anonymous", 401)]
)
async def test_only_ambassadors_have_a_calendar_link(cast: World, actor: str, status: int) -> None:
    answer = await cast.call("POST", "/calendar-token", _who(actor))

    assert answer.status == status
