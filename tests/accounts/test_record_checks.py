"""Referents' queue of extracts, and criminal-record checks that end (renewal, expiry).

Periods are shortened through the settings (decimal days) and the worker polls every
tenth of a second; tests wait for what a person would notice, never for a guess.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.accounts.conftest import (
    Client,
    Serve,
    ambassador,
    eventually,
    fast_options,
    join,
    pdf_form,
)
from tests.fixtures.smtp import SmtpServer

SECOND = 1 / 86_400  # in days


def checks(validity_seconds: float, notice_seconds: float) -> Any:
    return fast_options(
        record_check_validity_days=validity_seconds * SECOND,
        record_renewal_notice_days=notice_seconds * SECOND,
        lifecycle_poll_seconds=0.1,
    )


async def upload(client: Client, token: str) -> None:
    sent = await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
    assert sent.status == 202, sent.body


async def queue(client: Client, token: str, **params: str) -> Any:
    answer = await client.call("GET", "/criminal-records", token=token, params=params)
    assert answer.status == 200, answer.body
    return answer.body


async def record_of(client: Client, token: str) -> dict[str, Any]:
    me = await client.call("GET", "/me", token=token)
    assert me.status == 200, me.body
    return dict(me.body["ambassador"])


async def test_referents_see_the_extracts_of_their_zone_oldest_first_and_decide_them(
    serve: Serve,
) -> None:
    async with serve() as client:
        lille, lille_token = await client.ambassador("lille@example.org")  # Lille Centre
        somme, somme_token = await client.ambassador(
            "somme@example.org", zone={"departments": ["80"], "bassins": []}
        )
        douai, douai_token = await client.ambassador(
            "douai@example.org",
            first_name="Karim",
            zone={"departments": [], "bassins": ["douaisis"]},
        )
        await client.ambassador("nothing-sent@example.org")
        for token in (lille_token, somme_token, douai_token):
            await upload(client, token)
        _, nord = await client.referent("nord@example.org", ["59"])
        _, lille_est = await client.referent("lille-est@example.org", [], ["lille-est"])
        _, amiens = await client.referent("amiens@example.org", ["80"])
        admin = await client.admin_token()

        of_nord = await queue(client, nord)
        of_lille_est = await queue(client, lille_est)
        of_amiens = await queue(client, amiens)
        first_page = await queue(client, admin, limit="2")
        second_page = await queue(client, admin, limit="2", cursor=first_page["next_cursor"])
        decided = await client.call(
            "POST",
            of_nord["items"][0]["decision_url"].removeprefix("/api/accounts"),
            token=nord,
            json={"decision": "verified"},
        )
        after = await queue(client, nord)

    assert [item["ambassador_id"] for item in of_nord["items"]] == [lille, douai]
    first = of_nord["items"][0]
    assert first["name"] == "Élodie M."
    assert first["zone"] == {"departments": [], "bassins": ["lille-centre"]}
    assert first["renewal"] is False
    assert first["document_url"] == f"/api/accounts/ambassadors/{lille}/criminal-record/document"
    assert of_nord["items"][1]["name"] == "Karim M."
    assert of_nord["items"][0]["uploaded_at"] < of_nord["items"][1]["uploaded_at"]
    assert of_lille_est["items"] == []  # Lille Centre and Douaisis are other bassins
    assert [item["ambassador_id"] for item in of_amiens["items"]] == [somme]
    assert [item["ambassador_id"] for item in first_page["items"]] == [lille, somme]
    assert [item["ambassador_id"] for item in second_page["items"]] == [douai]
    assert second_page["next_cursor"] is None
    assert decided.status == 200
    assert [item["ambassador_id"] for item in after["items"]] == [douai]
    assert "@example.org" not in str(of_nord)  # never an address in the queue


async def test_a_valid_check_refuses_a_new_extract_until_renewal_is_due(serve: Serve) -> None:
    async with serve() as client:
        ambassador_id, token = await client.ambassador("a@example.org")
        await client.verify_record(ambassador_id, token)
        again = await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        record = (await record_of(client, token))["record"]
    assert (again.status, again.error_code) == (409, "record_already_verified")
    assert record["status"] == "verified"
    # Three years by default.
    validity = _days_between(record["decided_at"], record["valid_until"])
    assert 3 * 365 - 1 < validity <= 3 * 365


def _days_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() / 86_400


async def test_a_check_near_its_end_asks_once_for_a_new_extract_that_keeps_it_valid(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    # Valid for a minute, renewal asked from the first second on.
    async with serve(notifier=True, options=checks(60, 59.5), **smtp_server.settings()) as client:
        ambassador_id = await join(
            client, smtp_server, "/ambassadors", ambassador(email="a@example.org")
        )
        token = await client.token("a@example.org")
        await client.verify_record(ambassador_id, token)

        def renewal_mails() -> list[Any]:
            return [
                mail
                for mail in smtp_server.to("a@example.org")
                if "arrive à échéance" in str(mail.message["Subject"])
            ]

        [asked] = await eventually(renewal_mails)
        asked_state = await record_of(client, token)
        await upload(client, token)
        after_upload = await record_of(client, token)
        of_admin = await queue(client, await client.admin_token())
        requested = await client.db["outbox"].count_documents(
            {"type": "accounts.criminal_record.renewal_requested"}
        )
    text = " ".join(asked.text().split())
    assert "Bonjour Élodie," in text
    assert "transmettez dès maintenant un extrait récent" in text
    assert asked_state["record"]["status"] == "verified"
    assert asked_state["record"]["renewal_requested_at"] is not None
    assert asked_state["solicitable"] is True
    # The new extract waits for a referent while the current check still counts.
    assert after_upload["record"]["status"] == "verified"
    assert after_upload["solicitable"] is True
    [waiting] = of_admin["items"]
    assert (waiting["ambassador_id"], waiting["renewal"]) == (ambassador_id, True)
    assert requested == 1
    assert len(renewal_mails()) == 1


async def test_a_check_that_ends_without_a_new_decision_stops_solicitations_until_one(
    serve: Serve,
) -> None:
    async with serve(options=checks(1.5, 0)) as client:
        _, staff = await client.staff("prof@ac-lille.fr")
        ambassador_id, token = await client.ambassador("a@example.org")
        await client.verify_record(ambassador_id, token)
        while_valid = await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)

        async def expired() -> dict[str, Any] | None:
            state = await record_of(client, token)
            return state if state["record"]["status"] == "expired" else None

        state = await eventually(expired)
        hidden = await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)
        profiles = await client.outbox("accounts.ambassador.profile_changed")
        [notice] = await client.outbox("accounts.criminal_record.expired")
        await upload(client, token)
        [waiting] = (await queue(client, await client.admin_token()))["items"]
        await client.call(
            "POST",
            f"/ambassadors/{ambassador_id}/criminal-record/decision",
            token=await client.admin_token(),
            json={"decision": "verified", "note": "Nouvel extrait vierge"},
        )
        renewed = await record_of(client, token)
        listed_again = await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)
    assert while_valid.status == 200
    assert (state["solicitable"], state["not_solicitable_reason"]) == (False, "record_expired")
    assert state["record"]["expired_at"] is not None
    assert hidden.status == 404
    assert (profiles[-1]["solicitable"], profiles[-1]["not_solicitable_reason"]) == (
        False,
        "record_expired",
    )
    assert notice["ambassador_id"] == ambassador_id
    assert (waiting["ambassador_id"], waiting["renewal"]) == (ambassador_id, False)
    assert renewed["record"]["status"] == "verified"
    assert renewed["solicitable"] is True
    assert listed_again.status == 200


async def moderation(client: Client, token: str, **params: str) -> Any:
    answer = await client.call("GET", "/moderation/ambassadors", token=token, params=params)
    assert answer.status == 200, answer.body
    return answer.body


async def test_referents_see_the_checks_coming_to_their_end_soonest_first_until_a_new_extract(
    serve: Serve,
) -> None:
    # A check lasts an hour and its renewal is due from the start.
    async with serve(options=checks(3600, 3600)) as client:
        _, nord = await client.referent("nord@example.org", ["59"])
        _, amiens = await client.referent("amiens@example.org", ["80"])
        first_id, first = await client.ambassador("a@example.org", first_name="Aline")
        second_id, second = await client.ambassador("b@example.org", first_name="Bruno")
        await client.ambassador("c@example.org", first_name="Chloé")  # never sent one
        await client.verify_record(first_id, first)
        await client.verify_record(second_id, second)

        due = await moderation(client, nord, state="renewal_due")
        elsewhere = await moderation(client, amiens, state="renewal_due")
        await upload(client, first)  # Aline's new extract waits for a decision instead
        after_upload = await moderation(client, nord, state="renewal_due")
        wrong = await client.call(
            "GET", "/moderation/ambassadors", token=nord, params={"state": "renouveler"}
        )

    assert [item["name"] for item in due["items"]] == ["Aline M.", "Bruno M."]
    assert due["items"][0]["record"]["valid_until"] <= due["items"][1]["record"]["valid_until"]
    assert all(item["record"]["status"] == "verified" for item in due["items"])
    assert "@example.org" not in str(due)
    assert elsewhere["items"] == []
    assert [item["name"] for item in after_upload["items"]] == ["Bruno M."]
    assert (wrong.status, wrong.error_code) == (400, "invalid_request")


async def test_a_check_far_from_its_end_is_not_a_renewal_due(serve: Serve) -> None:
    async with serve() as client:
        _, nord = await client.referent("nord@example.org", ["59"])
        ambassador_id, token = await client.ambassador("a@example.org")
        await client.verify_record(ambassador_id, token)

        due = await moderation(client, nord, state="renewal_due")
        everyone = await moderation(client, nord)

    assert due["items"] == []
    assert [item["id"] for item in everyone["items"]] == [ambassador_id]
