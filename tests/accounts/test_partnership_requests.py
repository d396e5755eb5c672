"""Partnership requests: anyone may ask to join as a partner, admins read the requests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.conftest import Serve, fast_options

# These tests count requests in accounts' fixed windows: each starts clear of a turn.
pytestmark = pytest.mark.usefixtures("steady_window")


def partner_request(**overrides: Any) -> dict[str, Any]:
    """A valid partnership request with overrides."""
    body: dict[str, Any] = {
        "organization_name": "Watt & Fils",
        "siret": "732 829 320 00074",
        "contact_name": "Inès Garnier",
        "email": "Ines.Garnier@Watt.example.org",
        "phone": "03 20 12 34 56",
        "sponsorship": True,
        "message": "Trois électriciens souhaitent présenter leur métier.",
    }
    body.update(overrides)
    return body


async def test_request_without_account_is_listed_for_admins_newest_first(serve: Serve) -> None:
    async with serve() as client:
        first = await client.call("POST", "/partner-requests", json=partner_request())
        second = await client.call(
            "POST",
            "/partner-requests",
            json={
                "organization_name": "Association Les Bâtisseurs",
                "contact_name": "Marc Petit",
                "email": "marc@batisseurs.example.org",
            },
        )
        admin = await client.admin_token()
        listed = await client.call("GET", "/partner-requests", token=admin)
        paged = await client.call("GET", "/partner-requests", token=admin, params={"limit": "1"})
    assert (first.status, first.body["status"]) == (201, "received")
    assert second.status == 201
    newest, oldest = listed.body["items"]
    assert newest["organization_name"] == "Association Les Bâtisseurs"
    assert newest["siret"] is None
    assert newest["sponsorship"] is False
    assert newest["message"] == ""
    assert oldest["id"] == first.body["id"]
    assert oldest["siret"] == "73282932000074"
    assert oldest["email"] == "ines.garnier@watt.example.org"
    assert oldest["sponsorship"] is True
    assert [item["id"] for item in paged.body["items"]] == [second.body["id"]]
    assert paged.body["next_cursor"]


async def test_the_active_admins_are_told_of_a_request_without_the_contacts_details(
    serve: Serve,
) -> None:
    async with serve() as client:
        admin_id = (await client.call("GET", "/me", token=await client.admin_token())).body["id"]
        received = await client.call("POST", "/partner-requests", json=partner_request())
        [told] = await client.outbox("accounts.partnership.requested")
    assert told["request_id"] == received.body["id"]
    assert told["organization_name"] == "Watt & Fils"
    assert told["sponsorship"] is True
    assert told["admin_ids"] == [admin_id]
    # The contact's name, address and phone stay in accounts, for the admins' page.
    assert "ines" not in str(told).lower()
    assert "03 20" not in str(told)


async def test_only_admins_read_partnership_requests(serve: Serve) -> None:
    async with serve() as client:
        await client.call("POST", "/partner-requests", json=partner_request())
        anonymous = await client.call("GET", "/partner-requests")
        _, referent = await client.referent("nord@example.org", ["59"])
        by_referent = await client.call("GET", "/partner-requests", token=referent)
    assert anonymous.status == 401
    assert by_referent.status == 403


async def test_invalid_request_names_each_field_in_french(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.call(
            "POST",
            "/partner-requests",
            json=partner_request(siret="123", email="pas-une-adresse", organization_name=" "),
        )
        stored = await client.db["partner_requests"].count_documents({})
    assert (answer.status, answer.error_code) == (400, "invalid_request")
    fields = {item["field"]: item["message"] for item in answer.body["error"]["details"]}
    assert set(fields) == {"organization_name", "siret", "email"}
    assert "14 chiffres" in fields["siret"]
    assert stored == 0


async def test_repeated_requests_from_one_email_are_refused_with_what_to_do(
    serve: Serve,
) -> None:
    options = fast_options(partner_requests_per_email=2)
    async with serve(options=options) as client:
        answers = [
            await client.call("POST", "/partner-requests", json=partner_request()) for _ in range(3)
        ]
        other = await client.call(
            "POST", "/partner-requests", json=partner_request(email="rh@watt.example.org")
        )
    assert [answer.status for answer in answers] == [201, 201, 429]
    refused = answers[-1]
    assert refused.error_code == "too_many_requests"
    assert "prochorientation@hautsdefrance.fr" in refused.body["error"]["message"]
    assert int(refused.headers["Retry-After"]) > 0
    assert other.status == 201


async def test_openapi_documents_partnership_requests(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.call("GET", "/openapi.json")
    paths = answer.body["paths"]
    assert {"post", "get"} <= set(paths["/partner-requests"])
    assert "requestBody" in paths["/partner-requests"]["post"]
    schemas = answer.body["components"]["schemas"]
    assert {"PartnerRequestIn", "PartnerRequest"} <= set(schemas)


async def test_admin_declines_a_request_and_may_put_it_back_among_those_to_handle(
    serve: Serve,
) -> None:
    async with serve() as client:
        sent = await client.call("POST", "/partner-requests", json=partner_request())
        request_id = sent.body["id"]
        admin = await client.admin_token()

        async def listed(status: str) -> list[str]:
            page = await client.call(
                "GET", "/partner-requests", token=admin, params={"status": status}
            )
            return [item["id"] for item in page.body["items"]]

        fresh = await client.call("GET", f"/partner-requests/{request_id}", token=admin)
        declined = await client.call("POST", f"/partner-requests/{request_id}/decline", token=admin)
        again = await client.call("POST", f"/partner-requests/{request_id}/decline", token=admin)
        new_while_declined, declined_ones = await listed("new"), await listed("declined")
        reopened = await client.call("POST", f"/partner-requests/{request_id}/reopen", token=admin)
        new_after, declined_after = await listed("new"), await listed("declined")
        unknown = await client.call("POST", "/partner-requests/nope/decline", token=admin)
        _, referent = await client.referent("nord@example.org", ["59"])
        by_referent = await client.call(
            "POST", f"/partner-requests/{request_id}/decline", token=referent
        )
    assert (fresh.status, fresh.body["status"], fresh.body["handled_at"]) == (200, "new", None)
    assert (declined.status, declined.body["status"]) == (200, "declined")
    assert declined.body["handled_at"] is not None
    assert again.status == 200  # sent twice: the same answer
    assert again.body["handled_at"] == declined.body["handled_at"]
    assert (new_while_declined, declined_ones) == ([], [request_id])
    assert (reopened.status, reopened.body["status"], reopened.body["handled_at"]) == (
        200,
        "new",
        None,
    )
    assert (new_after, declined_after) == ([request_id], [])
    assert (unknown.status, unknown.error_code) == (404, "partner_request_not_found")
    assert "introuvable" in unknown.body["error"]["message"]
    assert by_referent.status == 403


async def test_an_organisation_registered_from_a_request_marks_it_once(serve: Serve) -> None:
    organisation = {"name": "Watt & Fils", "kind": "company"}
    async with serve() as client:
        sent = await client.call("POST", "/partner-requests", json=partner_request())
        request_id = sent.body["id"]
        admin = await client.admin_token()
        await client.call("POST", f"/partner-requests/{request_id}/decline", token=admin)
        # An admin who declined it changes their mind: registering is still possible.
        created = await client.call(
            "POST",
            "/organizations",
            token=admin,
            json={**organisation, "partner_request_id": request_id},
        )
        shown = await client.call("GET", f"/partner-requests/{request_id}", token=admin)
        twice = await client.call(
            "POST",
            "/organizations",
            token=admin,
            json={"name": "Watt et Fils", "kind": "company", "partner_request_id": request_id},
        )
        unknown = await client.call(
            "POST",
            "/organizations",
            token=admin,
            json={"name": "Sans Demande", "kind": "company", "partner_request_id": "nope"},
        )
        declined = await client.call("POST", f"/partner-requests/{request_id}/decline", token=admin)
        reopened = await client.call("POST", f"/partner-requests/{request_id}/reopen", token=admin)
        registered = await client.call(
            "GET", "/partner-requests", token=admin, params={"status": "registered"}
        )
        names = sorted([row["name"] async for row in client.db["organizations"].find()])
        stored_organisation = await client.db["organizations"].find_one({"_id": created.body["id"]})
    assert created.status == 201
    assert (shown.body["status"], shown.body["organization_id"]) == (
        "registered",
        created.body["id"],
    )
    assert (twice.status, twice.error_code) == (409, "partner_request_registered")
    assert (unknown.status, unknown.error_code) == (422, "unknown_partner_request")
    # Neither refused organisation was kept: the request and the organisation are one write.
    assert names == ["Watt & Fils"]
    assert stored_organisation is not None
    assert "partner_request_id" not in stored_organisation
    assert (declined.status, reopened.status) == (409, 409)
    assert [item["id"] for item in registered.body["items"]] == [request_id]
