"""The administrators' list of accounts: search, roles, territories, suspensions."""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import Client, Serve


async def accounts(client: Client, token: str, **params: str) -> Any:
    answer = await client.call("GET", "/users", token=token, params=params)
    assert answer.status == 200, answer.body
    return answer.body


async def test_admin_finds_accounts_by_name_address_or_role_with_their_state(
    serve: Serve,
) -> None:
    async with serve() as client:
        admin = await client.admin_token()
        elodie, _ = await client.ambassador("elodie@example.org")
        bruno, _ = await client.ambassador("bruno@example.org", first_name="Bruno")
        referent, _ = await client.referent("nord@example.org", ["59"], ["lille-est"])
        await client.call(
            "POST", f"/ambassadors/{bruno}/suspension", token=admin, json={"reason": "Absences"}
        )

        everyone = await accounts(client, admin)
        by_first_name = await accounts(client, admin, q="bru")
        by_full_name = await accounts(client, admin, q="Élodie Mar")
        by_address = await accounts(client, admin, q="NORD@")
        by_id = await accounts(client, admin, q=elodie)
        referents = await accounts(client, admin, role="referent")
        first_page = await accounts(client, admin, role="ambassador", limit="1")
        second_page = await accounts(
            client, admin, role="ambassador", limit="1", cursor=first_page["next_cursor"]
        )
        one = await client.call("GET", f"/users/{referent}", token=admin)
        missing = await client.call("GET", "/users/nobody", token=admin)
        logged = await client.call(
            "GET", "/audit", token=admin, params={"user_id": referent, "limit": "10"}
        )

    # Newest first; the start-up admin is there too.
    ids = [item["id"] for item in everyone["items"]]
    assert ids[:3] == [referent, bruno, elodie]
    assert "admin" in {item["role"] for item in everyone["items"]}
    assert [item["id"] for item in by_first_name["items"]] == [bruno]
    assert [item["id"] for item in by_full_name["items"]] == [elodie]
    assert [item["id"] for item in by_address["items"]] == [referent]
    assert [item["id"] for item in by_id["items"]] == [elodie]
    [listed_referent] = referents["items"]
    assert listed_referent["territory"] == {"departments": ["59"], "bassins": ["lille-est"]}
    assert (listed_referent["email"], listed_referent["status"]) == ("nord@example.org", "active")
    suspended = next(item for item in everyone["items"] if item["id"] == bruno)
    assert suspended["suspension"]["reason"] == "Absences"
    assert [item["id"] for item in first_page["items"] + second_page["items"]] == [bruno, elodie]
    assert one.status == 200
    assert (one.body["role"], one.body["first_name"]) == ("referent", "Rémi")
    assert (missing.status, missing.error_code) == (404, "user_not_found")
    assert {entry["action"] for entry in logged.body["items"]} >= {
        "accounts_listed",
        "account_read",
    }


async def test_only_administrators_list_accounts_and_bad_filters_are_refused(serve: Serve) -> None:
    async with serve() as client:
        admin = await client.admin_token()
        _, referent = await client.referent("nord@example.org", ["59"])
        as_referent = await client.call("GET", "/users", token=referent)
        one_as_referent = await client.call("GET", "/users/x", token=referent)
        anonymous = await client.call("GET", "/users")
        bad_role = await client.call("GET", "/users", token=admin, params={"role": "roi"})
        long_query = await client.call("GET", "/users", token=admin, params={"q": "x" * 101})
        regex_like = await accounts(client, admin, q=".*")

    assert (as_referent.status, as_referent.error_code) == (403, "forbidden")
    assert one_as_referent.status == 403
    assert anonymous.status == 401
    assert (bad_role.status, bad_role.error_code) == (400, "invalid_request")
    assert (long_query.status, long_query.error_code) == (400, "invalid_request")
    assert regex_like["items"] == []  # the search is a prefix, not a pattern


async def test_admin_lists_the_accounts_attached_to_an_organisation(serve: Serve) -> None:
    async with serve() as client:
        admin = await client.admin_token()

        async def organisation(name: str) -> str:
            created = await client.call(
                "POST", "/organizations", token=admin, json={"name": name, "kind": "company"}
            )
            return str(created.body["id"])

        watt, other = await organisation("Watt & Fils"), await organisation("Autre SA")
        contact, _ = await client.partner("contact@watt.example.org", watt)
        await client.partner("contact@autre.example.org", other)
        employee, employee_token = await client.ambassador("salariee@example.org")
        await client.call("PATCH", "/me", token=employee_token, json={"organization_id": watt})
        await client.ambassador("sans.employeur@example.org")

        attached = await accounts(client, admin, organization_id=watt)
        contacts = await accounts(client, admin, organization_id=watt, role="partner")
        employees = await accounts(client, admin, organization_id=watt, role="ambassador")
        staff = await accounts(client, admin, organization_id=watt, role="staff")
        unknown = await accounts(client, admin, organization_id="nope")
        too_long = await client.call(
            "GET", "/users", token=admin, params={"organization_id": "x" * 65}
        )
    assert [item["id"] for item in attached["items"]] == [employee, contact]
    assert [item["id"] for item in contacts["items"]] == [contact]
    assert contacts["items"][0]["organization_id"] == watt
    assert [item["id"] for item in employees["items"]] == [employee]
    assert staff["items"] == unknown["items"] == []
    assert (too_long.status, too_long.error_code) == (400, "invalid_request")
