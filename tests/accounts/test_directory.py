"""The ambassador directory: who is listed, French free-text search, filters, pages."""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import Client, Serve, student


async def listed_ambassador(client: Client, email: str, /, **overrides: Any) -> str:
    ambassador_id, token = await client.ambassador(email, **overrides)
    await client.verify_record(ambassador_id, token)
    return ambassador_id


async def search(client: Client, token: str, **params: str) -> list[str]:
    answer = await client.call("GET", "/ambassadors", token=token, params=params)
    assert answer.status == 200, answer.body
    return [item["first_name"] for item in answer.body["items"]]


async def test_french_free_text_ignores_accents_case_gender_and_number(serve: Serve) -> None:
    async with serve() as client:
        await listed_ambassador(client, "elise@example.org", first_name="Élise")
        await listed_ambassador(
            client,
            "marc@example.org",
            first_name="Marc",
            job={"title": "Infirmier de bloc", "sector": "sante"},
            background="Infirmier depuis quinze ans au CHU.",
        )
        _, staff_token = await client.staff("prof@ac-lille.fr")
        assert await search(client, staff_token, q="électricien") == ["Élise"]
        assert await search(client, staff_token, q="ELECTRICIENNES") == ["Élise"]
        assert await search(client, staff_token, q="infirmière") == ["Marc"]
        assert await search(client, staff_token, q="chantiers rénovation") == ["Élise"]
        assert await search(client, staff_token, q="santé") == ["Marc"]  # the sector's name
        assert await search(client, staff_token, q="boulanger") == []


async def test_filters_combine_with_text_and_each_other(serve: Serve) -> None:
    async with serve() as client:
        await listed_ambassador(client, "elise@example.org", first_name="Élise")
        await listed_ambassador(
            client,
            "hugo@example.org",
            **student(
                first_name="Hugo",
                zone={"departments": ["59"], "bassins": []},
                interventions=["event"],
            ),
        )
        await listed_ambassador(
            client,
            "lea@example.org",
            first_name="Léa",
            zone={"departments": ["80"], "bassins": []},
            job={"title": "Électricienne", "sector": "energie", "employment": "self_employed"},
            interventions=["class_presentation"],
        )
        _, token = await client.staff("prof@ac-lille.fr")
        assert sorted(await search(client, token)) == ["Hugo", "Léa", "Élise"]
        assert sorted(await search(client, token, department="59")) == ["Hugo", "Élise"]
        assert sorted(await search(client, token, bassin="lille-centre")) == ["Hugo", "Élise"]
        assert await search(client, token, bassin="douaisis") == ["Hugo"]  # whole Nord
        assert await search(client, token, profile="student") == ["Hugo"]
        assert await search(client, token, kind="company_visit") == ["Élise"]
        assert await search(client, token, sector="energie") == ["Léa"]
        assert await search(client, token, q="electricienne", department="80") == ["Léa"]
        bad = await client.call("GET", "/ambassadors", token=token, params={"department": "75"})
        assert bad.status == 400
        assert "department" in bad.message


async def test_ambassadors_who_also_meet_pupils_online_are_found_as_such(serve: Serve) -> None:
    async with serve() as client:
        elise, elise_token = await client.ambassador("elise@example.org", first_name="Élise")
        await client.verify_record(elise, elise_token)
        await listed_ambassador(client, "marc@example.org", first_name="Marc", online=True)
        _, token = await client.staff("prof@ac-lille.fr")
        assert await search(client, token, format="online") == ["Marc"]
        assert sorted(await search(client, token, format="in_person")) == ["Marc", "Élise"]
        # Élise says she can meet them online too: she is found so from then on.
        changed = await client.call("PATCH", "/me", token=elise_token, json={"online": True})
        assert changed.status == 200, changed.body
        assert changed.body["ambassador"]["online"] is True
        assert sorted(await search(client, token, format="online")) == ["Marc", "Élise"]
        public = await client.call("GET", f"/ambassadors/{elise}", token=token)
        assert public.body["online"] is True


async def test_a_new_shape_of_listing_relists_every_ambassador_at_start(serve: Serve) -> None:
    async with serve() as client:
        await listed_ambassador(client, "marc@example.org", first_name="Marc", online=True)
        prefix = client.settings.database_prefix
        # A listing written before ambassadors could say they meet pupils online.
        await client.db["directory"].update_many({}, {"$pull": {"keys": "f:online"}})
        await client.db["meta"].update_one({"_id": "directory"}, {"$unset": {"listing_version": 1}})
    async with serve(database_prefix=prefix) as client:
        _, token = await client.staff("prof@ac-lille.fr")
        assert await search(client, token, format="online") == ["Marc"]


async def test_only_active_solicitable_ambassadors_are_listed(serve: Serve) -> None:
    async with serve() as client:
        await client.sign_up(email="pending@example.org", first_name="Pending")
        await client.ambassador("unchecked@example.org", first_name="Unchecked")
        suspended = await listed_ambassador(client, "s@example.org", first_name="Suspended")
        await listed_ambassador(client, "ok@example.org", first_name="Listed")
        admin = await client.admin_token()
        await client.call(
            "POST", f"/ambassadors/{suspended}/suspension", token=admin, json={"reason": "Plainte"}
        )
        _, token = await client.staff("prof@ac-lille.fr")
        assert await search(client, token) == ["Listed"]
        await client.call("DELETE", f"/ambassadors/{suspended}/suspension", token=admin)
        assert sorted(await search(client, token)) == ["Listed", "Suspended"]


async def test_without_required_record_check_unchecked_ambassadors_are_listed(serve: Serve) -> None:
    async with serve(require_record_check=False) as client:
        await client.ambassador("unchecked@example.org", first_name="Unchecked")
        _, token = await client.staff("prof@ac-lille.fr")
        assert await search(client, token) == ["Unchecked"]
        [event] = await client.outbox("accounts.ambassador.profile_changed")
    assert event["solicitable"] is True


async def test_turning_the_record_check_on_unlists_and_tells_agenda(serve: Serve) -> None:
    async with serve(require_record_check=False) as client:
        await client.ambassador("unchecked@example.org", first_name="Unchecked")
        prefix = client.settings.database_prefix
    async with serve(require_record_check=True, database_prefix=prefix) as client:
        _, token = await client.staff("prof@ac-lille.fr")
        assert await search(client, token) == []
        events = await client.outbox("accounts.ambassador.profile_changed")
    assert [(event["revision"], event["solicitable"]) for event in events] == [
        (1, True),
        (2, False),
    ]


async def test_the_directory_never_shows_contact_details_or_the_address(serve: Serve) -> None:
    async with serve() as client:
        ambassador_id = await listed_ambassador(client, "secret@example.org", postcode="59800")
        _, token = await client.staff("prof@ac-lille.fr")
        page = await client.call("GET", "/ambassadors", token=token)
        one = await client.call("GET", f"/ambassadors/{ambassador_id}", token=token)
    for body in (page.body, one.body):
        text = str(body)
        assert "secret@example.org" not in text
        assert "612345678" not in text
        assert "06 12" not in text
        assert "59800" not in text
    assert one.body["department"] == "59"
    assert one.body["city"] == "Lille"
    assert one.body["record"] is None  # staff do not see the check


async def test_pages_follow_each_other_without_repeats(serve: Serve) -> None:
    async with serve(require_record_check=False) as client:
        for n in range(7):
            await client.ambassador(f"a{n}@example.org", first_name="ABCDEFG"[n])
        _, token = await client.staff("prof@ac-lille.fr")
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
            answer = await client.call("GET", "/ambassadors", token=token, params=params)
            seen += [item["id"] for item in answer.body["items"]]
            pages += 1
            cursor = answer.body["next_cursor"]
            if cursor is None:
                break
        invalid = await client.call("GET", "/ambassadors", token=token, params={"cursor": "nope"})
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert (invalid.status, invalid.error_code) == (400, "invalid_cursor")


async def test_referents_see_unlisted_ambassadors_with_their_check_state(serve: Serve) -> None:
    async with serve() as client:
        ambassador_id, _ = await client.ambassador("a@example.org")
        _, referent = await client.referent("ref@example.org", ["59"])
        _, staff = await client.staff("prof@ac-lille.fr")
        seen_by_referent = await client.call("GET", f"/ambassadors/{ambassador_id}", token=referent)
        seen_by_staff = await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)
    assert seen_by_referent.status == 200
    assert seen_by_referent.body["record"]["status"] == "missing"
    assert seen_by_referent.body["not_solicitable_reason"] == "record_not_verified"
    assert seen_by_staff.status == 404
