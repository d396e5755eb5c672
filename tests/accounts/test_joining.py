"""Joining: sign-up forms, the confirmation link, referents, the start-up admin."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tests.accounts.conftest import (
    ADMIN,
    PASSWORD,
    Serve,
    ambassador,
    staff,
    student,
    wait_until_expired,
)


async def test_charter_is_public_with_its_version(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.call("GET", "/charter")
    assert answer.status == 200
    assert answer.body["version"] == "2026-09"
    assert "45 minutes" in answer.body["text"]


async def test_sign_up_answers_pending_and_emails_a_twelve_hour_link(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.sign_up()
        assert answer.status == 201
        assert answer.body["status"] == "pending_confirmation"
        [registered] = await client.outbox("accounts.user.registered")
        acceptance = await client.db["charter_acceptances"].find_one({"user_id": answer.body["id"]})
    assert registered["email"] == "elodie.martin@example.org"
    assert registered["confirmation_url"].startswith(f"{client.settings.public_url}/activer?token=")
    assert acceptance["version"] == "2026-09"
    assert acceptance["accepted_at"] is not None


async def test_invalid_sign_up_names_the_field_in_french_and_creates_nothing(serve: Serve) -> None:
    cases = [
        (ambassador(email="pas-une-adresse"), "email"),
        (ambassador(postcode="5900"), "postcode"),
        (ambassador(zone={"departments": ["75"], "bassins": []}), "zone.departments[0]"),
        (ambassador(zone={"departments": [], "bassins": ["lille-sud"]}), "zone.bassins[0]"),
        (ambassador(interventions=["apero"]), "interventions[0]"),
        (ambassador(job={"title": "Électricienne", "sector": "inconnu"}), "job.sector"),
        (ambassador(job={"title": "Électricienne", "sector": "energie", "employer": "EDF"}), "job"),
        (ambassador(profile="trainer"), "(root)"),
        (ambassador(phone="12"), "phone"),
    ]
    async with serve() as client:
        for body, field in cases:
            answer = await client.call("POST", "/ambassadors", json=body)
            assert answer.status == 400, (field, answer.body)
            assert answer.error_code == "invalid_request"
            fields = [detail["field"] for detail in answer.body["error"]["details"]]
            assert field in fields or field == "(root)", (field, answer.body)
        assert await client.db["users"].count_documents({"role": "ambassador"}) == 0
        assert await client.outbox("accounts.user.registered") == []


async def test_a_salaried_professional_must_declare_the_employers_agreement(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.sign_up(
            job={
                "title": "Soudeur",
                "sector": "industrie",
                "employer": "Acier du Nord",
                "employer_agreement": False,
            }
        )
    assert answer.status == 400
    assert "accord de son employeur" in answer.message


async def test_the_charter_must_be_accepted_in_its_current_version(serve: Serve) -> None:
    async with serve() as client:
        refused = await client.sign_up(charter_accepted=False)
        outdated = await client.sign_up(charter_version="2019-01")
    assert (refused.status, refused.error_code) == (422, "charter_not_accepted")
    assert (outdated.status, outdated.error_code) == (422, "charter_outdated")
    assert outdated.body["error"]["details"]["current_version"] == "2026-09"


async def test_signing_up_with_a_registered_address_answers_the_same_and_changes_nothing(
    serve: Serve,
) -> None:
    async with serve() as client:
        owner_id, _ = await client.ambassador("taken@example.org")
        again = await client.sign_up(email="taken@example.org", first_name="Intrus")
        assert again.status == 201
        assert again.body["status"] == "pending_confirmation"
        assert again.body["id"] != owner_id
        owner = await client.db["users"].find_one({"email": "taken@example.org"})
        registered = [
            e
            for e in await client.outbox("accounts.user.registered")
            if e["email"] == "taken@example.org"
        ]
    assert owner["_id"] == owner_id
    assert owner["first_name"] == "Élodie"
    assert len(registered) == 1  # no second link was sent


async def test_signing_up_again_before_confirming_replaces_the_first_attempt(serve: Serve) -> None:
    async with serve() as client:
        await client.sign_up(email="late@example.org")
        first_token = await client.link("accounts.user.registered", "late@example.org")
        await client.sign_up(email="late@example.org", city="Roubaix")
        old = await client.call(
            "POST", "/confirmations", json={"token": first_token, "password": PASSWORD}
        )
        new = await client.activate("late@example.org")
        me = await client.call("GET", "/me", token=await client.token("late@example.org"))
    assert (old.status, old.error_code) == (410, "link_invalid")
    assert new.status == 200
    assert me.body["ambassador"]["city"] == "Roubaix"


async def test_confirmation_sets_the_password_and_the_link_works_once(serve: Serve) -> None:
    async with serve() as client:
        await client.sign_up()
        token = await client.link("accounts.user.registered", "elodie.martin@example.org")
        weak = await client.call(
            "POST", "/confirmations", json={"token": token, "password": "azertyuiop123"}
        )
        first = await client.call(
            "POST", "/confirmations", json={"token": token, "password": PASSWORD}
        )
        second = await client.call(
            "POST", "/confirmations", json={"token": token, "password": PASSWORD}
        )
        login = await client.log_in("elodie.martin@example.org")
        stored = await client.db["link_tokens"].count_documents({})
    assert (weak.status, weak.error_code) == (422, "weak_password")
    assert "courants" in weak.message  # and the refused password did not burn the link
    assert first.status == 200
    assert first.body["status"] == "active"
    assert (second.status, second.error_code) == (410, "link_invalid")
    assert login.status == 200
    assert stored == 0


async def test_links_are_stored_only_as_hashes(serve: Serve) -> None:
    async with serve() as client:
        await client.sign_up()
        token = await client.link("accounts.user.registered", "elodie.martin@example.org")
        rows = [row async for row in client.db["link_tokens"].find()]
    assert len(rows) == 1
    assert token not in str(rows[0])


async def test_an_expired_confirmation_link_points_to_lost_password_which_activates_the_account(
    serve: Serve,
) -> None:
    async with serve(confirmation_ttl_seconds=1) as client:
        await client.sign_up()
        token = await client.link("accounts.user.registered", "elodie.martin@example.org")
        await wait_until_expired(client, "/confirmations", token)
        expired = await client.call(
            "POST", "/confirmations", json={"token": token, "password": PASSWORD}
        )
        assert (expired.status, expired.error_code) == (410, "link_expired")
        assert "mot de passe perdu" in expired.message
        reset = await client.call(
            "POST", "/password-resets", json={"email": "elodie.martin@example.org"}
        )
        assert reset.status == 202
        reset_token = await client.link(
            "accounts.password_reset.requested", "elodie.martin@example.org", "reset_url"
        )
        done = await client.call(
            "POST", "/password-resets/confirm", json={"token": reset_token, "password": PASSWORD}
        )
        assert done.status == 204
        assert (await client.log_in("elodie.martin@example.org")).status == 200
        activated = await client.outbox("accounts.user.activated")
        assert [e["email"] for e in activated].count("elodie.martin@example.org") == 1


async def test_students_and_trainers_describe_a_training(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.call("POST", "/ambassadors", json=student(email="etu@example.org"))
        assert answer.status == 201
        await client.activate("etu@example.org")
        me = await client.call("GET", "/me", token=await client.token("etu@example.org"))
    assert me.body["ambassador"]["training"]["name"] == "BTS Électrotechnique"
    assert me.body["ambassador"]["job"] is None


async def test_staff_sign_up_checks_the_uai_and_publishes_the_establishment_on_activation(
    serve: Serve,
) -> None:
    async with serve() as client:
        bad = await client.call(
            "POST",
            "/staff",
            json=staff(
                establishment={
                    "uai": "A5900012",
                    "name": "Lycée",
                    "city": "Lille",
                    "postcode": "59000",
                }
            ),
        )
        assert bad.status == 400
        assert "UAI" in bad.message
        user_id, token = await client.staff("prof@ac-lille.fr")
        [event] = await client.outbox("accounts.staff.profile_changed")
        me = await client.call("GET", "/me", token=token)
    assert event["user_id"] == user_id
    assert event["establishment_uai"] == "0590001A"
    assert event["department"] == "59"
    assert event["last_initial"] == "L."
    assert "email" not in event
    assert me.body["staff"]["establishment"]["name"] == "Lycée Faidherbe"


async def test_an_admin_creates_referents_who_activate_from_the_link(serve: Serve) -> None:
    async with serve() as client:
        referent_id, token = await client.referent("ref@example.org", ["62"], ["douaisis"])
        [event] = await client.outbox("accounts.referent.changed")
        again = await client.call(
            "POST",
            "/referents",
            token=await client.admin_token(),
            json={
                "first_name": "A",
                "last_name": "B",
                "email": "ref@example.org",
                "territory": {"departments": ["02"]},
            },
        )
        changed = await client.call(
            "PUT",
            f"/referents/{referent_id}/territory",
            token=await client.admin_token(),
            json={"departments": ["80"], "bassins": []},
        )
        events = await client.outbox("accounts.referent.changed")
        new_token = await client.token("ref@example.org")
        me = await client.call("GET", "/me", token=new_token)
    assert event["territory"] == {"departments": ["62"], "bassins": ["douaisis"]}
    assert (again.status, again.error_code) == (409, "email_taken")
    assert changed.status == 200
    assert events[-1]["territory"]["departments"] == ["80"]
    assert me.body["referent"]["territory"]["departments"] == ["80"]
    assert token != new_token


async def test_the_start_up_admin_exists_once_across_restarts(serve: Serve) -> None:
    async with serve() as client:
        token = await client.admin_token()
        me = await client.call("GET", "/me", token=token)
        assert me.body["role"] == "admin"
        database_prefix = client.settings.database_prefix
    async with serve(database_prefix=database_prefix) as client:
        assert await client.db["users"].count_documents({"role": "admin"}) == 1


async def test_create_admin_from_the_command_line(serve: Serve, mongo_url: str) -> None:
    async with serve() as client:
        environment = {
            **os.environ,
            "MONGO_URL": mongo_url,
            "DATABASE_PREFIX": client.settings.database_prefix,
            "DATA_DIR": str(client.settings.data_dir),
        }
        environment.pop("AMQP_URL", None)
        result = await asyncio.to_thread(
            subprocess.run,
            [
                sys.executable,
                "-m",
                "services.accounts",
                "create-admin",
                "--email",
                "ops@example.org",
            ],
            input="Exploiter la plateforme en 2026\n",
            capture_output=True,
            text=True,
            env=environment,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "Administrateur créé" in result.stdout
        login = await client.log_in("ops@example.org", "Exploiter la plateforme en 2026")
    assert login.status == 200
    assert login.body["user"]["role"] == "admin"
    assert ADMIN["admin_email"] != "ops@example.org"
