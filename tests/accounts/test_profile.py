"""Self-service: profile edits and the events they publish, email change, consents, deletion.

The export and the erasure across services are in ``test_personal_data``.
"""

from __future__ import annotations

from tests.accounts.conftest import PASSWORD, Serve


async def test_activation_publishes_the_public_profile_without_contact_details(
    serve: Serve,
) -> None:
    async with serve() as client:
        ambassador_id, _ = await client.ambassador("a@example.org")
        [event] = await client.outbox("accounts.ambassador.profile_changed")
    assert event["ambassador_id"] == ambassador_id
    assert event["revision"] == 1
    assert event["first_name"] == "Élodie"
    assert event["last_initial"] == "M."
    assert event["job_title"] == "Électricienne"
    assert event["sector"] == "batiment-travaux-publics"
    assert event["zone"] == {"departments": [], "bassins": ["lille-centre"]}
    assert event["solicitable"] is False
    assert event["not_solicitable_reason"] == "record_not_verified"
    assert "a@example.org" not in str(event)
    assert "612345678" not in str(event)


async def test_editing_public_fields_publishes_a_newer_revision(serve: Serve) -> None:
    async with serve() as client:
        _, token = await client.ambassador("a@example.org")
        edited = await client.call(
            "PATCH",
            "/me",
            token=token,
            json={
                "zone": {"departments": ["62"]},
                "interventions": ["event"],
                "availability": {
                    "pause_from": "2027-07-01T00:00:00+02:00",
                    "pause_to": "2027-08-31T00:00:00+02:00",
                },
            },
        )
        phone_only = await client.call("PATCH", "/me", token=token, json={"phone": "0320000000"})
        events = await client.outbox("accounts.ambassador.profile_changed")
    assert edited.status == 200
    assert edited.body["ambassador"]["zone"] == {"departments": ["62"], "bassins": []}
    assert phone_only.body["phone"] == "+33320000000"
    assert [event["revision"] for event in events] == [1, 2]  # the phone is not public
    assert events[-1]["interventions"] == ["event"]
    assert events[-1]["pause_to"].startswith("2027-08-30T22:00:00")


async def test_emptying_the_background_with_null_leaves_the_account_readable(
    serve: Serve,
) -> None:
    # null was once stored as it came: every later read of the account failed (500).
    async with serve() as client:
        _, token = await client.ambassador("a@example.org")
        written = await client.call(
            "PATCH", "/me", token=token, json={"background": "Dix ans de chantiers."}
        )
        emptied = await client.call(
            "PATCH", "/me", token=token, json={"background": None, "availability": None}
        )
        read = await client.call("GET", "/me", token=token)
    assert written.body["ambassador"]["background"] == "Dix ans de chantiers."
    assert emptied.status == 200
    assert (read.status, read.body["ambassador"]["background"]) == (200, "")


async def test_fields_of_another_role_cannot_be_edited(serve: Serve) -> None:
    async with serve() as client:
        _, staff_token = await client.staff("prof@ac-lille.fr")
        _, ambassador_token = await client.ambassador("a@example.org")
        zone_for_staff = await client.call(
            "PATCH", "/me", token=staff_token, json={"zone": {"departments": ["59"]}}
        )
        training_for_pro = await client.call(
            "PATCH",
            "/me",
            token=ambassador_token,
            json={"training": {"name": "CAP", "level": "CAP", "establishment": "CFA"}},
        )
        unknown_field = await client.call(
            "PATCH", "/me", token=ambassador_token, json={"role": "admin"}
        )
        staff_moves = await client.call(
            "PATCH",
            "/me",
            token=staff_token,
            json={
                "establishment": {
                    "uai": "0620002B",
                    "name": "Collège Verlaine",
                    "city": "Arras",
                    "postcode": "62000",
                }
            },
        )
        staff_events = await client.outbox("accounts.staff.profile_changed")
    assert (zone_for_staff.status, zone_for_staff.error_code) == (422, "not_editable")
    assert "zone" in zone_for_staff.message
    assert (training_for_pro.status, training_for_pro.error_code) == (422, "not_editable")
    assert unknown_field.status == 400
    assert staff_moves.status == 200
    assert [event["establishment_uai"] for event in staff_events] == ["0590001A", "0620002B"]


async def test_an_ambassador_links_themselves_to_their_employer_organization(serve: Serve) -> None:
    async with serve() as client:
        admin = await client.admin_token()
        created = await client.call(
            "POST",
            "/organizations",
            token=admin,
            json={
                "name": "Électricité Réunie du Nord",
                "siret": "73282932000074",
                "kind": "company",
                "partnership_charter_signed_at": "2026-09-01T10:00:00+02:00",
                "sponsorship": {
                    "signed_at": "2026-09-15T10:00:00+02:00",
                    "agreed_interventions": 12,
                    "annual_revenue_eur": 2_500_000,
                    "hourly_loaded_cost_eur": 48.5,
                },
            },
        )
        assert created.status == 201, created.body
        organization_id = created.body["id"]
        _, token = await client.ambassador("a@example.org")
        found = await client.call("GET", "/organizations", token=token, params={"q": "electricite"})
        unknown = await client.call("PATCH", "/me", token=token, json={"organization_id": "nope"})
        linked = await client.call(
            "PATCH", "/me", token=token, json={"organization_id": organization_id}
        )
        events = await client.outbox("accounts.ambassador.profile_changed")
        read_back = await client.call("GET", "/me", token=token)
        unlinked = await client.call("PATCH", "/me", token=token, json={"organization_id": None})
    assert [item["id"] for item in found.body["items"]] == [organization_id]
    assert (unknown.status, unknown.error_code) == (422, "unknown_organization")
    assert linked.body["ambassador"]["organization_id"] == organization_id
    assert events[-1]["organization_id"] == organization_id
    # The employer is named to the ambassador, who may not read the organisation itself.
    employer = read_back.body["ambassador"]
    assert (employer["organization_id"], employer["organization_name"]) == (
        organization_id,
        "Électricité Réunie du Nord",
    )
    unlinked_part = unlinked.body["ambassador"]
    assert (unlinked_part["organization_id"], unlinked_part["organization_name"]) == (None, None)


async def test_email_change_sends_a_link_to_the_new_address_and_tells_the_old_one(
    serve: Serve,
) -> None:
    async with serve() as client:
        _, token = await client.ambassador("old@example.org")
        wrong = await client.call(
            "POST",
            "/me/email",
            token=token,
            json={"new_email": "new@example.org", "current_password": "mauvais mot de passe"},
        )
        asked = await client.call(
            "POST",
            "/me/email",
            token=token,
            json={"new_email": "New@Example.org", "current_password": PASSWORD},
        )
        [requested] = await client.outbox("accounts.email_change.requested")
        link = await client.link("accounts.email_change.requested", "new@example.org")
        before = await client.call("GET", "/me", token=token)
        confirmed = await client.call("POST", "/email-changes/confirm", json={"token": link})
        reused = await client.call("POST", "/email-changes/confirm", json={"token": link})
        [changed] = await client.outbox("accounts.email.changed")
        old_login = await client.log_in("old@example.org")
        new_login = await client.log_in("new@example.org")
    assert wrong.status == 403
    assert asked.status == 202
    assert requested["old_email"] == "old@example.org"
    assert requested["new_email"] == "new@example.org"
    assert requested["confirmation_url"].startswith(f"{client.settings.public_url}/email?token=")
    assert before.body["email"] == "old@example.org"
    assert confirmed.status == 200
    assert confirmed.body == {"email": "new@example.org"}
    assert reused.status == 410
    assert changed["old_email"] == "old@example.org"
    assert (old_login.status, new_login.status) == (401, 200)


async def test_asking_for_an_address_already_taken_reveals_nothing_and_sends_nothing(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.ambassador("someone@example.org")
        _, token = await client.ambassador("me@example.org")
        asked = await client.call(
            "POST",
            "/me/email",
            token=token,
            json={"new_email": "someone@example.org", "current_password": PASSWORD},
        )
        requested = await client.outbox("accounts.email_change.requested")
    assert asked.status == 202
    assert requested == []


async def test_consents_are_dated_and_can_be_withdrawn(serve: Serve) -> None:
    async with serve() as client:
        _, token = await client.ambassador("a@example.org")
        withdrawn = await client.call(
            "PUT", "/me/consents", token=token, json={"image_rights": False, "surveys": True}
        )
    consents = withdrawn.body["consents"]
    assert consents["image_rights"]["given"] is False
    assert consents["surveys"]["given"] is True
    assert consents["image_rights"]["at"] > withdrawn.body["created_at"]
    assert [(entry["consent"], entry["given"]) for entry in consents["history"]] == [
        ("image_rights", True),
        ("surveys", False),
        ("image_rights", False),
        ("surveys", True),
    ]


async def test_deleting_the_account_erases_it_and_tells_every_service(serve: Serve) -> None:
    async with serve() as client:
        ambassador_id, token = await client.ambassador("a@example.org")
        await client.verify_record(ambassador_id, token)  # listed in the directory
        gone = await client.call("DELETE", "/me", token=token)
        me = await client.call("GET", "/me", token=token)
        login = await client.log_in("a@example.org")
        [deleted] = await client.outbox("accounts.user.deleted")
        profiles = await client.outbox("accounts.ambassador.profile_changed")
        left = {
            name: await client.db[name].count_documents({"user_id": ambassador_id})
            for name in ("sessions", "link_tokens", "charter_acceptances")
        }
        users = await client.db["users"].count_documents({"_id": ambassador_id})
        listed = await client.db["directory"].count_documents({"_id": ambassador_id})
        again = await client.sign_up(email="a@example.org")
    assert gone.status == 204
    assert me.status == 401
    assert login.status == 401
    assert deleted == {
        "user_id": ambassador_id,
        "role": "ambassador",
        "email": "a@example.org",
        "first_name": "Élodie",
        "reason": "request",
    }
    assert profiles[-1]["solicitable"] is False
    assert profiles[-1]["not_solicitable_reason"] == "deleted"
    assert left == {"sessions": 0, "link_tokens": 0, "charter_acceptances": 0}
    assert users == 0
    assert listed == 0
    assert again.status == 201  # coming back means a new sign-up
