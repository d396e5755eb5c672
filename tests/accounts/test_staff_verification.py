"""Being staff of an establishment is proved, not declared; its place is reference data.

An academic address proves it at once; anyone else waits for a referent of the
establishment's zone, and their token opens no school's data until then. A move to
another establishment is proved again. Name, department and bassin come from the
Annuaire (or the postcode and the Nord's commune mapping), never from the form.
"""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import PASSWORD, Client, Serve, eventually

# In the shipped sample: Villeneuve-d'Ascq (Lille-Est) and Dunkerque (Dunkerque-Flandre).
HERON = {"uai": "0599106C", "name": "Nom tapé", "city": "Ailleurs", "postcode": "62000"}
DUNES = {"uai": "0599115M", "name": "Lycée des Dunes", "city": "Dunkerque", "postcode": "59140"}


def _claims(client: Client, token: str) -> Any:
    return client.running.platform.verifier.verify(token)


async def test_an_academic_address_proves_it_and_the_annuaire_names_the_place(
    serve: Serve,
) -> None:
    async with serve() as client:
        _, token = await client.staff("paul.martin@ac-lille.fr", establishment=HERON)
        me = await client.call("GET", "/me", token=token)
        [event] = await client.outbox("accounts.staff.profile_changed")
        directory = await client.call("GET", "/ambassadors", token=token)
    staff = me.body["staff"]
    assert staff["verification"]["status"] == "verified"
    assert staff["verification"]["by_academic_address"] is True
    # What the person typed (name, town, a Pas-de-Calais postcode) is not what is kept.
    assert staff["establishment"] == {
        "uai": "0599106C",
        "name": "Lycée polyvalent du Lac du Héron",
        "city": "Villeneuve-d'Ascq",
        "postcode": "59650",
        "department": "59",
        "bassin": "lille-est",
        "listed": True,
    }
    assert (event["department"], event["bassin"]) == ("59", "lille-est")
    principal = _claims(client, token)
    assert principal.establishment_uai == "0599106C"
    assert (principal.establishment_department, principal.establishment_bassin) == (
        "59",
        "lille-est",
    )
    assert directory.status == 200


async def test_an_unlisted_establishment_is_placed_by_its_postcode_and_commune(
    serve: Serve,
) -> None:
    unlisted = {"uai": "0599990A", "name": "Collège neuf", "city": "Grande-Synthe"}
    async with serve() as client:
        _, known_town = await client.staff(
            "a@ac-lille.fr", establishment={**unlisted, "postcode": "59760"}
        )
        _, unknown_town = await client.staff(
            "b@ac-lille.fr",
            establishment={**unlisted, "uai": "0599991B", "city": "Bourg", "postcode": "59999"},
        )
        first = (await client.call("GET", "/me", token=known_town)).body["staff"]["establishment"]
        second = (await client.call("GET", "/me", token=unknown_town)).body["staff"]
    assert (first["department"], first["bassin"], first["listed"]) == (
        "59",
        "dunkerque-flandre",
        False,
    )
    assert first["name"] == "Collège neuf"
    assert (second["establishment"]["department"], second["establishment"]["bassin"]) == (
        "59",
        None,
    )


async def test_anyone_else_waits_for_a_referent_of_the_establishments_zone(
    serve: Serve,
) -> None:
    async with serve() as client:
        staff_id, token = await client.staff("prof.dunes@gmail.example", establishment=DUNES)
        waiting_scope = _claims(client, token).establishment_uai
        me = await client.call("GET", "/me", token=token)
        directory_before = await client.call("GET", "/ambassadors", token=token)
        _, lille_est = await client.referent("est@example.org", [], ["lille-est"])
        _, dunkerque = await client.referent("dk@example.org", [], ["dunkerque-flandre"])
        _, nord = await client.referent("nord@example.org", ["59"])
        foreign_queue = await client.call("GET", "/staff-verifications", token=lille_est)
        queue = await client.call("GET", "/staff-verifications", token=dunkerque)
        nord_queue = await client.call("GET", "/staff-verifications", token=nord)
        decision = f"/staff/{staff_id}/verification"
        foreign = await client.call(
            "POST", decision, token=lille_est, json={"decision": "verified"}
        )
        unexplained = await client.call(
            "POST", decision, token=dunkerque, json={"decision": "refused"}
        )
        confirmed = await client.call(
            "POST", decision, token=dunkerque, json={"decision": "verified"}
        )
        twice = await client.call(
            "POST", decision, token=nord, json={"decision": "refused", "reason": "Inconnu"}
        )
        [told] = await client.outbox("accounts.staff.verification_decided")

        async def old_token_refused() -> bool:
            return (await client.call("GET", "/me", token=token)).status == 401

        # Withdrawn, so that the site takes a new token carrying the establishment.
        await eventually(old_token_refused, timeout=20)
        fresh = await client.token("prof.dunes@gmail.example")
        directory_after = await client.call("GET", "/ambassadors", token=fresh)
        audit = await client.db["audit"].count_documents({"action": "staff_to_verify_listed"})
    assert me.body["staff"]["verification"]["status"] == "pending"
    assert waiting_scope is None
    assert (directory_before.status, directory_before.error_code) == (403, "staff_not_verified")
    assert foreign_queue.body["items"] == []
    [waiting] = queue.body["items"]
    assert waiting["user_id"] == staff_id
    assert waiting["email"] == "prof.dunes@gmail.example"
    assert waiting["establishment"]["bassin"] == "dunkerque-flandre"
    assert [item["user_id"] for item in nord_queue.body["items"]] == [staff_id]
    assert (foreign.status, foreign.error_code) == (403, "not_your_zone")
    assert unexplained.status == 400
    assert confirmed.status == 200
    assert confirmed.body["status"] == "verified"
    assert (twice.status, twice.error_code) == (409, "staff_already_decided")
    assert told["user_id"] == staff_id
    assert told["decision"] == "verified"
    assert told["establishment_name"] == "Lycée des Dunes"
    assert _claims(client, fresh).establishment_uai == "0599115M"
    assert directory_after.status == 200
    assert audit >= 2


async def test_a_refusal_says_why_and_keeps_the_establishment_closed(serve: Serve) -> None:
    async with serve() as client:
        staff_id, token = await client.staff("prof.dunes@gmail.example", establishment=DUNES)
        admin = await client.admin_token()
        refused = await client.call(
            "POST",
            f"/staff/{staff_id}/verification",
            token=admin,
            json={"decision": "refused", "reason": "Personne inconnue de la direction"},
        )
        [told] = await client.outbox("accounts.staff.verification_decided")
        me = await client.call("GET", "/me", token=await client.token("prof.dunes@gmail.example"))
        queue = await client.call("GET", "/staff-verifications", token=admin)
    assert refused.status == 200
    assert told["reason"] == "Personne inconnue de la direction"
    assert me.body["staff"]["verification"]["status"] == "refused"
    assert me.body["staff"]["verification"]["reason"] == "Personne inconnue de la direction"
    assert _claims(client, token).establishment_uai is None
    assert queue.body["items"] == []


async def test_a_move_to_another_establishment_is_proved_again(serve: Serve) -> None:
    async with serve() as client:
        staff_id, _ = await client.staff("prof.dunes@gmail.example", establishment=DUNES)
        admin = await client.admin_token()
        await client.call(
            "POST", f"/staff/{staff_id}/verification", token=admin, json={"decision": "verified"}
        )
        token = await client.token("prof.dunes@gmail.example")
        moved = await client.call("PATCH", "/me", token=token, json={"establishment": HERON})

        async def old_token_refused() -> bool:
            return (await client.call("GET", "/me", token=token)).status == 401

        await eventually(old_token_refused, timeout=20)
        after_move = await client.token("prof.dunes@gmail.example")
        queue = await client.call("GET", "/staff-verifications", token=admin)
        _, academic = await client.staff("prof@ac-amiens.fr", establishment=DUNES)
        academic_moved = await client.call(
            "PATCH", "/me", token=academic, json={"establishment": HERON}
        )
        academic_after = await client.token("prof@ac-amiens.fr")
    assert moved.status == 200
    assert moved.body["staff"]["verification"]["status"] == "pending"
    assert moved.body["staff"]["establishment"]["name"] == "Lycée polyvalent du Lac du Héron"
    assert _claims(client, after_move).establishment_uai is None
    assert [item["user_id"] for item in queue.body["items"]] == [staff_id]
    assert academic_moved.body["staff"]["verification"]["status"] == "verified"
    assert _claims(client, academic_after).establishment_uai == "0599106C"


async def test_confirming_an_academic_address_proves_a_waiting_member(serve: Serve) -> None:
    async with serve() as client:
        _, token = await client.staff("prof.dunes@gmail.example", establishment=DUNES)
        asked = await client.call(
            "POST",
            "/me/email",
            token=token,
            json={"new_email": "prof.dunes@ac-lille.fr", "current_password": PASSWORD},
        )
        link = await client.link(
            "accounts.email_change.requested", "prof.dunes@ac-lille.fr", "confirmation_url"
        )
        changed = await client.call("POST", "/email-changes/confirm", json={"token": link})
        fresh = await client.token("prof.dunes@ac-lille.fr")
        me = await client.call("GET", "/me", token=fresh)
    assert asked.status == 202, asked.body
    assert changed.status == 200, changed.body
    assert me.body["staff"]["verification"]["status"] == "verified"
    assert _claims(client, fresh).establishment_uai == "0599115M"
