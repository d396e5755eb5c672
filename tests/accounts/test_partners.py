"""Partner organizations: what agenda is told of them, and their partner contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.accounts.conftest import Serve

SPONSORSHIP = {
    "signed_at": "2026-01-15T10:00:00+01:00",
    "agreed_interventions": 12,
    "annual_revenue_eur": 8_000_000,
    "hourly_loaded_cost_eur": 48.5,
}


async def test_creating_and_changing_an_organization_publishes_its_full_state(
    serve: Serve,
) -> None:
    async with serve() as client:
        _, referent = await client.referent("nord@example.org", ["59"])
        created = await client.call(
            "POST",
            "/organizations",
            token=referent,
            json={
                "name": "Watt & Fils",
                "kind": "company",
                "siret": "732 829 320 00074",
                "sponsorship": SPONSORSHIP,
            },
        )
        organization_id = created.body["id"]
        changed = await client.call(
            "PATCH",
            f"/organizations/{organization_id}",
            token=referent,
            json={"sponsorship": {**SPONSORSHIP, "hourly_loaded_cost_eur": 52.0}},
        )
        renamed = await client.call(
            "PATCH",
            f"/organizations/{organization_id}",
            token=referent,
            json={"name": "Watt et Fils"},
        )
        other = await client.organization("Autre", siret="55208131766522")
        taken = await client.call(
            "PATCH", f"/organizations/{other}", token=referent, json={"siret": "73282932000074"}
        )
        emptied = await client.call(
            "PATCH", f"/organizations/{organization_id}", token=referent, json={"name": None}
        )
        unknown = await client.call(
            "PATCH", "/organizations/nope", token=referent, json={"name": "Inconnue"}
        )
        found = await client.call("GET", "/organizations", token=referent, params={"q": "watt et"})
        events = [
            event
            for event in await client.outbox("accounts.organization.changed")
            if event["organization_id"] == organization_id
        ]
    assert created.status == 201
    assert changed.status == 200
    assert changed.body["sponsorship"]["hourly_loaded_cost_eur"] == 52.0
    assert renamed.body["name"] == "Watt et Fils"
    assert renamed.body["sponsorship"]["hourly_loaded_cost_eur"] == 52.0  # left as it was
    assert (taken.status, taken.error_code) == (409, "siret_taken")
    assert emptied.status == 400
    assert (unknown.status, unknown.error_code) == (404, "organization_not_found")
    assert [item["id"] for item in found.body["items"]] == [organization_id]
    assert len(events) == 3
    first, _, last = events
    assert first["siret"] == "73282932000074"
    assert first["sponsorship"]["hourly_loaded_cost_eur"] == 48.5
    assert last["name"] == "Watt et Fils"
    assert last["kind"] == "company"
    assert last["sponsorship"] == {
        "signed_at": "2026-01-15T09:00:00Z",
        "agreed_interventions": 12,
        "annual_revenue_eur": 8_000_000,
        "hourly_loaded_cost_eur": 52.0,
    }


async def test_a_value_of_another_json_type_is_refused_and_changes_nothing(
    serve: Serve,
) -> None:
    # ``false`` is no hourly cost and ``"12"`` no count: converting them (to 0, to 12)
    # would record what the client never meant, and the deduction is computed from them.
    async with serve() as client:
        organization_id = await client.organization(sponsorship=SPONSORSHIP)
        admin = await client.admin_token()
        patched = await client.call(
            "PATCH",
            f"/organizations/{organization_id}",
            token=admin,
            json={"sponsorship": {**SPONSORSHIP, "hourly_loaded_cost_eur": False}},
        )
        created = await client.call(
            "POST",
            "/organizations",
            token=admin,
            json={
                "name": "Chiffres en texte",
                "kind": "company",
                "sponsorship": {**SPONSORSHIP, "agreed_interventions": "12"},
            },
        )
        kept = await client.call("GET", f"/organizations/{organization_id}", token=admin)
        found = await client.call("GET", "/organizations", token=admin, params={"q": "chiffres"})
    assert (patched.status, patched.error_code) == (400, "invalid_request")
    assert patched.message == (
        "Le champ « sponsorship.hourly_loaded_cost_eur » doit être un nombre."
    )
    assert (created.status, created.error_code) == (400, "invalid_request")
    assert created.message == (
        "Le champ « sponsorship.agreed_interventions » doit être un nombre entier."
    )
    assert kept.body["sponsorship"]["hourly_loaded_cost_eur"] == 48.5
    assert found.body["items"] == []


async def test_a_date_at_the_end_of_the_calendar_is_refused_not_a_failure(
    serve: Serve,
) -> None:
    async with serve() as client:
        admin = await client.admin_token()
        created = await client.call(
            "POST",
            "/organizations",
            token=admin,
            json={
                "name": "Hors du calendrier",
                "kind": "company",
                "partnership_charter_signed_at": "9999-12-31T23:59:59-01:00",
                "sponsorship": {**SPONSORSHIP, "signed_at": "0001-01-01T00:00:00+01:00"},
            },
        )
        audit = await client.call(
            "GET", "/audit", token=admin, params={"from": "0001-01-01T00:00:00+01:00"}
        )
        found = await client.call("GET", "/organizations", token=admin, params={"q": "hors du"})
    assert (created.status, created.error_code) == (400, "invalid_request")
    assert {detail["field"] for detail in created.body["error"]["details"]} == {
        "partnership_charter_signed_at",
        "sponsorship.signed_at",
    }
    assert found.body["items"] == []
    assert (audit.status, audit.message) == (
        400,
        "Le paramètre « from » est invalide : l'année doit être comprise entre 2000 et 2100.",
    )


async def test_partner_contact_joins_by_link_and_their_token_names_the_organization(
    serve: Serve,
) -> None:
    async with serve() as client:
        organization_id = await client.organization()
        partner_id, token = await client.partner("rh@watt.example.org", organization_id)
        [registered] = [
            event
            for event in await client.outbox("accounts.user.registered")
            if event["email"] == "rh@watt.example.org"
        ]
        me = await client.call("GET", "/me", token=token)
        principal = client.running.platform.verifier.verify(token)
        _, referent = await client.referent("nord@example.org", ["59"])
        by_referent = await client.call(
            "POST",
            f"/organizations/{organization_id}/contacts",
            token=referent,
            json={"first_name": "Léo", "last_name": "Compta", "email": "compta@watt.example.org"},
        )
        taken = await client.call(
            "POST",
            f"/organizations/{organization_id}/contacts",
            token=referent,
            json={"first_name": "Léo", "last_name": "Bis", "email": "rh@watt.example.org"},
        )
        unknown = await client.call(
            "POST",
            "/organizations/nope/contacts",
            token=referent,
            json={"first_name": "Léo", "last_name": "Ter", "email": "ter@watt.example.org"},
        )
    assert registered["role"] == "partner"
    expires_at = datetime.fromisoformat(registered["expires_at"])
    assert abs(expires_at - datetime.now(UTC) - timedelta(hours=12)) < timedelta(minutes=1)
    assert me.body["role"] == "partner"
    assert me.body["partner"] == {"organization_id": organization_id}
    assert (principal.user_id, principal.role) == (partner_id, "partner")
    assert principal.organization_id == organization_id
    assert by_referent.status == 201
    assert (taken.status, taken.error_code) == (409, "email_taken")
    assert (unknown.status, unknown.error_code) == (404, "organization_not_found")
