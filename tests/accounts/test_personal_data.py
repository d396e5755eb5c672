"""A person's rights over their data, across services: export, erasure, restriction,
retention, and the audit of who read it.

The full answers of every service are in ``test_personal_data_platform``; here some
services are left out on purpose, to see what a person and an admin are told then.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.accounts.conftest import (
    PASSWORD,
    Client,
    Serve,
    ambassador,
    eventually,
    fast_options,
    join,
    pdf_form,
    staff,
)
from tests.fixtures.smtp import SmtpServer

SECOND = 1 / 86_400  # in days


async def admin_get(client: Client, path: str, **params: str) -> Any:
    answer = await client.call("GET", path, token=await client.admin_token(), params=params)
    assert answer.status == 200, answer.body
    return answer.body


async def test_restriction_keeps_the_data_but_takes_the_ambassador_out_of_reach(
    serve: Serve,
) -> None:
    async with serve() as client:
        ambassador_id, token = await client.ambassador("a@example.org")
        await client.verify_record(ambassador_id, token)
        _, staff = await client.staff("prof@ac-lille.fr")
        restricted = await client.call("POST", "/me/restriction", token=token)
        twice = await client.call("POST", "/me/restriction", token=token)
        me = await client.call("GET", "/me", token=token)
        hidden = await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)
        search = await client.call(
            "GET", "/ambassadors", token=staff, params={"q": "électricienne"}
        )
        while_restricted = (await client.outbox("accounts.ambassador.profile_changed"))[-1]
        lifted = await client.call("DELETE", "/me/restriction", token=token)
        state = await client.call("GET", "/me/restriction", token=token)
        shown = await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)
        after = (await client.outbox("accounts.ambassador.profile_changed"))[-1]
    assert restricted.status == 200
    assert restricted.body["restricted"] is True
    assert twice.body["since"] == restricted.body["since"]
    assert me.body["restriction"]["since"] == restricted.body["since"]
    assert me.body["email"] == "a@example.org"  # kept
    assert me.body["ambassador"]["record"]["status"] == "verified"
    assert (
        me.body["ambassador"]["solicitable"],
        me.body["ambassador"]["not_solicitable_reason"],
    ) == (
        False,
        "restricted",
    )
    assert hidden.status == 404
    assert search.body["items"] == []
    assert (while_restricted["solicitable"], while_restricted["not_solicitable_reason"]) == (
        False,
        "restricted",
    )
    assert lifted.status == 204
    assert state.body == {"restricted": False, "since": None}
    assert shown.status == 200
    assert after["solicitable"] is True


async def test_export_names_the_service_that_did_not_answer_and_a_retry_reuses_the_request(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    # Agenda and the notifier answer; messaging is not running.
    options = fast_options(export_timeout_seconds=3)
    settings = smtp_server.settings()
    async with serve(others=("agenda", "notifier"), options=options, **settings) as client:
        # The notifier publishes at once: the link is read from the email, not the outbox.
        await join(client, smtp_server, "/ambassadors", ambassador(email="a@example.org"))
        token = await client.token("a@example.org")
        first = await client.call("GET", "/me/export", token=token)
        again = await client.call("GET", "/me/export", token=token)
        asked = await client.db["outbox"].count_documents({"type": "accounts.export.requested"})
        parts = {row["service"] async for row in client.db["export_parts"].find({})}
    assert (first.status, first.error_code) == (504, "export_incomplete")
    assert first.body["error"]["details"]["missing"] == ["messaging"]
    assert "« messagerie » n'a pas répondu à temps" in first.message
    assert first.headers["Retry-After"] == "60"
    assert (again.status, again.body["error"]["details"]["missing"]) == (504, ["messaging"])
    assert asked == 1  # the retry waited on the same request
    assert parts == {"agenda", "notifier"}


async def test_erasure_record_shows_which_services_confirmed_and_reading_it_is_audited(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    async with serve(others=("agenda", "notifier"), **smtp_server.settings()) as client:
        email = "a@example.org"
        ambassador_id = await join(client, smtp_server, "/ambassadors", ambassador(email=email))
        token = await client.token(email)
        deleted = await client.call("DELETE", "/me", token=token)

        admin = await client.admin_token()

        async def confirmed_by_both() -> Any:
            answer = await client.call("GET", f"/erasures/{ambassador_id}", token=admin)
            if answer.status == 200 and len(answer.body["confirmations"]) == 2:
                return answer.body
            return None

        record = await eventually(confirmed_by_both, timeout=20)
        pending = await admin_get(client, "/erasures", state="pending")
        complete = await admin_get(client, "/erasures", state="complete")
        unknown = await client.call("GET", "/erasures/nobody", token=await client.admin_token())
        reads = await admin_get(client, "/audit", user_id=ambassador_id)
    assert deleted.status == 204
    assert record["user_id"] == ambassador_id
    assert (record["role"], record["reason"]) == ("ambassador", "request")
    assert set(record["confirmations"]) == {"agenda", "notifier"}
    assert record["waiting_for"] == ["messaging"]
    assert record["completed_at"] is None
    assert [item["user_id"] for item in pending["items"]] == [ambassador_id]
    assert complete["items"] == []
    assert (unknown.status, unknown.error_code) == (404, "erasure_not_found")
    # The list of pending erasures named her last, after each read of her record.
    assert reads["items"][0]["action"] == "erasure_records_listed"
    assert {entry["action"] for entry in reads["items"][1:]} == {"erasure_record_read"}
    assert "a@example.org" not in str(record)


async def test_every_read_of_a_persons_data_by_referents_and_admins_is_in_the_audit_log(
    serve: Serve,
) -> None:
    async with serve() as client:
        ambassador_id, token = await client.ambassador("a@example.org")
        other_id, _ = await client.ambassador("b@example.org")
        await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        _, staff = await client.staff("prof@ac-lille.fr")
        nord_id, nord = await client.referent("nord@example.org", ["59"])
        admin = await client.admin_token()
        started = datetime.now().astimezone()
        await client.call("GET", f"/ambassadors/{ambassador_id}", token=staff)  # not audited
        await client.call("GET", f"/ambassadors/{ambassador_id}", token=nord)
        document = await client.call(
            "GET", f"/ambassadors/{ambassador_id}/criminal-record/document", token=nord
        )
        await client.call("GET", f"/ambassadors/{other_id}", token=admin)
        refused = await client.call(
            "GET", f"/ambassadors/{ambassador_id}/criminal-record/document", token=staff
        )
        about_her = await admin_get(client, "/audit", user_id=ambassador_id)
        by_nord = await admin_get(client, "/audit", actor_id=nord_id)
        page = await admin_get(client, "/audit", limit="1")
        next_page = await admin_get(client, "/audit", limit="1", cursor=page["next_cursor"])
        future = await admin_get(
            client, "/audit", **{"from": (started + timedelta(hours=1)).isoformat()}
        )
        window = await admin_get(
            client,
            "/audit",
            **{"from": started.isoformat(), "to": (started + timedelta(hours=1)).isoformat()},
        )
        backwards = await client.call(
            "GET",
            "/audit",
            token=admin,
            params={"from": started.isoformat(), "to": started.isoformat()},
        )
        # A number would be read as a Unix time: 1800000000 is 15 January 2027.
        unix_time = await client.call("GET", "/audit", token=admin, params={"to": "1800000000"})
    assert document.status == 200
    assert refused.status == 403
    # Newest first: the document, then the profile.
    assert [entry["action"] for entry in about_her["items"]] == [
        "criminal_record_document_read",
        "ambassador_profile_read",
    ]
    assert {entry["actor_id"] for entry in about_her["items"]} == {nord_id}
    assert {entry["actor_role"] for entry in about_her["items"]} == {"referent"}
    assert [entry["user_id"] for entry in by_nord["items"]] == [ambassador_id, ambassador_id]
    assert page["items"][0]["user_id"] == other_id  # the admin's read came last
    assert next_page["items"][0]["action"] == "criminal_record_document_read"
    assert future["items"] == []
    assert len(window["items"]) == 3
    assert backwards.status == 400
    assert unix_time.status == 400
    assert unix_time.body["error"]["message"] == (
        "Le paramètre « to » doit être une date et heure ISO 8601 (2026-09-15T14:00:00+02:00)."
    )


async def test_directory_results_and_the_queue_of_extracts_are_logged_per_person_shown(
    serve: Serve,
) -> None:
    async with serve() as client:
        listed_id, listed = await client.ambassador("a@example.org")
        await client.verify_record(listed_id, listed)
        waiting_id, waiting = await client.ambassador("b@example.org", first_name="Inès")
        await client.call("POST", "/me/criminal-record", token=waiting, data=pdf_form())
        _, staff = await client.staff("prof@ac-lille.fr")
        nord_id, nord = await client.referent("nord@example.org", ["59"])
        await client.call("GET", "/ambassadors", token=staff, params={"q": "électricienne"})
        found = await client.call("GET", "/ambassadors", token=nord, params={"q": "électricienne"})
        queue = await client.call("GET", "/criminal-records", token=nord)
        empty = await client.call("GET", "/ambassadors", token=nord, params={"q": "boulanger"})
        about_listed = await admin_get(client, "/audit", user_id=listed_id)
        about_waiting = await admin_get(client, "/audit", user_id=waiting_id)
        by_nord = await admin_get(client, "/audit", actor_id=nord_id)
    assert [item["id"] for item in found.body["items"]] == [listed_id]
    assert [item["ambassador_id"] for item in queue.body["items"]] == [waiting_id]
    assert empty.body["items"] == []
    # The staff member's search is not logged, the referent's is; an empty one names nobody.
    assert [
        (entry["action"], entry["actor_id"], entry["service"]) for entry in about_listed["items"]
    ] == [("directory_listed", nord_id, "accounts")]
    assert [entry["action"] for entry in about_waiting["items"]] == ["criminal_records_listed"]
    assert len(by_nord["items"]) == 2


async def test_an_account_nobody_uses_is_warned_then_deleted_unless_someone_signs_in(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    options = fast_options(
        inactivity_warning_days=2 * SECOND,
        inactivity_grace_days=2 * SECOND,
        lifecycle_poll_seconds=0.1,
    )
    async with serve(notifier=True, options=options, **smtp_server.settings()) as client:
        admin = await client.admin_token()
        # Links from the emails: with the notifier running, the outbox forgets them.
        away_id = await join(client, smtp_server, "/staff", staff(email="away@example.org"))
        back_id = await join(
            client, smtp_server, "/staff", staff(email="back@example.org", first_name="Inès")
        )

        def warning_to(address: str) -> list[Any]:
            return [
                mail
                for mail in smtp_server.to(address)
                if "sera supprimé le" in str(mail.message["Subject"])
            ]

        [back_warning] = await eventually(lambda: warning_to("back@example.org"))
        back_token = await client.token("back@example.org")  # signing in keeps the account

        async def erased() -> Any:
            answer = await client.call("GET", f"/erasures/{away_id}", token=admin)
            return answer.body if answer.status == 200 else None

        record = await eventually(erased)
        [away_warning] = warning_to("away@example.org")
        farewell = await eventually(
            lambda: [
                mail
                for mail in smtp_server.to("away@example.org")
                if "a été supprimé" in str(mail.message["Subject"])
            ]
        )
        gone = await client.log_in("away@example.org", PASSWORD)
        still_here = await client.call("GET", "/me", token=back_token)
        admin_me = await client.call("GET", "/me", token=admin)
    assert "Bonjour Inès," in back_warning.text()
    assert "il suffit de vous connecter avant cette date" in " ".join(back_warning.text().split())
    assert (record["reason"], record["role"]) == ("inactivity", "staff")
    assert "il suffit de vous connecter" in " ".join(away_warning.text().split())
    assert "Faute de connexion depuis longtemps" in " ".join(farewell[0].text().split())
    assert gone.status == 401
    assert still_here.status == 200
    assert still_here.body["id"] == back_id
    assert admin_me.status == 200  # operators' accounts are not subject to it


async def test_an_account_never_activated_is_deleted_once_its_period_is_over(
    serve: Serve,
) -> None:
    options = fast_options(unconfirmed_retention_days=2 * SECOND, lifecycle_poll_seconds=0.1)
    async with serve(options=options) as client:
        admin = await client.admin_token()
        active_id, _ = await client.staff("active@example.org")
        signed = await client.sign_up(email="late@example.org")
        late_id = str(signed.body["id"])
        link = await client.link("accounts.user.registered", "late@example.org")
        kept_meanwhile = await client.db["users"].count_documents({"_id": late_id})

        async def erased() -> Any:
            answer = await client.call("GET", f"/erasures/{late_id}", token=admin)
            return answer.body if answer.status == 200 else None

        record = await eventually(erased)
        followed = await client.call(
            "POST", "/confirmations", json={"token": link, "password": PASSWORD}
        )
        reset = await client.call("POST", "/password-resets", json={"email": "late@example.org"})
        resets = await client.outbox("accounts.password_reset.requested")
        [deleted] = await client.outbox("accounts.user.deleted")
        still_active = await client.log_in("active@example.org")
        again = await client.sign_up(email="late@example.org")
    assert kept_meanwhile == 1  # not before its period
    assert (record["reason"], record["role"]) == ("unconfirmed", "ambassador")
    assert record["waiting_for"] == ["agenda", "messaging", "notifier"]
    assert (deleted["user_id"], deleted["reason"]) == (late_id, "unconfirmed")
    assert (followed.status, followed.error_code) == (410, "link_invalid")
    assert reset.status == 202
    assert resets == []  # the address has no account any more
    assert still_active.status == 200
    assert still_active.body["user"]["id"] == active_id
    assert again.status == 201  # signing up again starts afresh
