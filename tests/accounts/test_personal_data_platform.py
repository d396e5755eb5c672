"""Export and erasure with every service running (one process, in-process bus).

People join through the emails a real SMTP server received (with the notifier running,
accounts' outbox is published and forgets the links).
"""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import (
    LINK,
    PASSWORD,
    Client,
    Serve,
    ambassador,
    eventually,
    fast_options,
    join,
    pdf_form,
    staff,
    token_of,
)
from tests.agenda.conftest import brief, in_days
from tests.fixtures.http import Answer, answer_of
from tests.fixtures.smtp import SmtpServer, free_port

EVERYONE = ("agenda", "messaging", "notifier")


async def referent(client: Client, smtp: SmtpServer, email: str, departments: list[str]) -> str:
    """A referent created by the admin, who followed the emailed link: their token."""
    created = await client.call(
        "POST",
        "/referents",
        token=await client.admin_token(),
        json={
            "first_name": "Rémi",
            "last_name": "Référent",
            "email": email,
            "territory": {"departments": departments, "bassins": []},
        },
    )
    assert created.status == 201, created.body
    [welcome] = await smtp.wait_for(1, to=email)
    [link] = [link for link in LINK.findall(welcome.text()) if "/activer?token=" in link]
    confirmed = await client.call(
        "POST", "/confirmations", json={"token": token_of(link), "password": PASSWORD}
    )
    assert confirmed.status == 200, confirmed.body
    return await client.token(email)


async def call(client: Client, method: str, path: str, token: str, json: Any = None) -> Answer:
    """A request to another service of the platform (``/api/<service>/…``)."""
    async with client.running.http.request(
        method,
        client.running.url(path),
        json=json,
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return await answer_of(response)


async def test_export_gathers_every_service_and_erasure_is_confirmed_by_each(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    async with serve(
        others=EVERYONE,
        options=fast_options(export_timeout_seconds=15),
        relay_smtp_port=free_port(),
        **smtp_server.settings(),
    ) as client:
        ambassador_id = await join(
            client, smtp_server, "/ambassadors", ambassador(email="elodie@example.org")
        )
        paul_id = await join(client, smtp_server, "/staff", staff(email="paul@ac-lille.fr"))
        token = await client.token("elodie@example.org")
        teacher = await client.token("paul@ac-lille.fr")
        nord = await referent(client, smtp_server, "nord@example.org", ["59"])
        admin = await client.admin_token()
        await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        await client.call("GET", f"/ambassadors/{ambassador_id}", token=nord)  # audited
        await client.call(
            "POST",
            f"/ambassadors/{ambassador_id}/criminal-record/decision",
            token=admin,
            json={"decision": "verified"},
        )

        async def solicited() -> Answer | None:
            # Agenda learns from accounts' events that she can be solicited.
            answer = await call(
                client,
                "POST",
                "/api/agenda/solicitations",
                teacher,
                brief(ambassador_id, in_days(10), message="Bonjour Élodie !"),
            )
            return answer if answer.status == 201 else None

        appointment = await eventually(solicited, timeout=20)
        # The referent of the zone reads it in agenda: accounts' audit log hears of it.
        read = await call(client, "GET", f"/api/agenda/appointments/{appointment.body['id']}", nord)

        async def logged_by_agenda() -> Any:
            answer = await client.call(
                "GET", "/audit", token=admin, params={"user_id": ambassador_id}
            )
            items = answer.body["items"]
            return items if any(entry["service"] == "agenda" for entry in items) else None

        about_her = await eventually(logged_by_agenda)
        about_paul = await client.call("GET", "/audit", token=admin, params={"user_id": paul_id})

        async def conversation() -> Any:
            answer = await call(client, "GET", "/api/messaging/conversations", token)
            return answer.body["items"] if answer.body and answer.body["items"] else None

        [opened] = await eventually(conversation)
        path = f"/api/messaging/conversations/{opened['id']}/messages"
        await call(client, "POST", path, token, {"body": "Avec plaisir, à bientôt."})
        await call(client, "POST", path, teacher, {"body": "Merci beaucoup !"})
        await smtp_server.wait_for(2, to="elodie@example.org")  # sign-up, solicitation
        # The referent reads the conversation in messaging, the admin the email log in
        # the notifier: accounts' audit log hears of both.
        talk_read = await call(client, "GET", f"/api/messaging/conversations/{opened['id']}", nord)
        log_read = await call(client, "GET", "/api/notifier/deliveries", admin)

        async def logged_by_the_others() -> Any:
            answer = await client.call(
                "GET", "/audit", token=admin, params={"user_id": ambassador_id}
            )
            items = answer.body["items"]
            services = {entry["service"] for entry in items}
            return items if {"messaging", "notifier"} <= services else None

        later_about_her = await eventually(logged_by_the_others)

        exported = await client.call("GET", "/me/export", token=token)
        deleted = await client.call("DELETE", "/me", token=token)

        async def erased() -> Any:
            answer = await client.call("GET", f"/erasures/{ambassador_id}", token=admin)
            complete = answer.status == 200 and answer.body["completed_at"] is not None
            return answer.body if complete else None

        record = await eventually(erased, timeout=30)
        parts_left = await client.db["export_parts"].count_documents({})

    assert exported.status == 200, exported.body
    document = exported.body
    assert set(document) == {"accounts", "agenda", "messaging", "notifier", "generated_at"}
    mine = document["accounts"]
    assert mine["account"]["email"] == "elodie@example.org"
    assert mine["charter_acceptances"][0]["version"] == "2026-09"
    assert mine["sessions"]
    assert read.status == 200
    assert [(entry["action"], entry["service"]) for entry in about_her] == [
        ("appointment_read", "agenda"),
        ("ambassador_profile_read", "accounts"),
    ]
    assert [(entry["action"], entry["actor_role"]) for entry in about_paul.body["items"]] == [
        ("appointment_read", "referent")
    ]
    assert talk_read.status == log_read.status == 200
    assert {
        (entry["action"], entry["actor_role"], entry["service"]) for entry in later_about_her[:2]
    } == {
        ("conversation_read", "referent", "messaging"),
        ("deliveries_listed", "admin", "notifier"),
    }
    reads_by_staff = [
        (entry["action"], entry["by_role"], entry["service"]) for entry in mine["reads_by_staff"]
    ]
    assert set(reads_by_staff[:2]) == {
        ("conversation_read", "referent", "messaging"),
        ("deliveries_listed", "admin", "notifier"),
    }
    assert reads_by_staff[2:] == [
        ("appointment_read", "referent", "agenda"),
        ("ambassador_profile_read", "referent", "accounts"),
    ]
    assert "password_hash" not in str(mine)
    assert "refresh" not in str(mine)
    [held] = document["agenda"]["appointments"]
    assert held["id"] == appointment.body["id"]
    assert held["other_party"]["name"] == "Paul L."
    [talk] = document["messaging"]["conversations"]
    assert talk["with"] == ["Paul L."]
    assert [(m["from"], m["body"]) for m in document["messaging"]["messages"]] == [
        ("Paul L.", "Bonjour Élodie !"),
        ("vous", "Avec plaisir, à bientôt."),
        ("Paul L.", "Merci beaucoup !"),
    ]
    assert "paul@ac-lille.fr" not in str(document)
    templates = {email["template"]: email for email in document["notifier"]["emails"]}
    assert {"account_confirmation", "account_activated", "solicitation_created"} <= set(templates)
    assert templates["solicitation_created"]["subject"].startswith("Nouvelle sollicitation")
    assert "token=" not in str(document["notifier"])
    # Her choice of emails (none declined) and the state of her address are there too.
    assert document["notifier"]["declined_emails"] == {}
    assert document["notifier"]["address_bounced_at"] is None
    assert deleted.status == 204
    assert set(record["confirmations"]) == set(EVERYONE)
    assert record["waiting_for"] == []
    assert parts_left == 0  # delivered parts are not kept
