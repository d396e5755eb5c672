"""A whole journey through the platform, with the four services as four processes.

Each service runs ``python -m services.<name>`` against the real RabbitMQ (a throw-away
vhost) and the session's MongoDB-wire server, and the notifier sends to a real SMTP
server whose emails the test reads, links included. The test is the clients: a
teacher, an ambassador, an admin and a partner contact, over HTTP only.

The ambassador proposes a slot starting a few seconds ahead and lasting one minute:
the appointment completes for real about a minute later (nothing is faked).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from shared.french import PARIS
from tests.accounts.conftest import PASSWORD, ambassador, staff
from tests.agenda.conftest import brief, in_days
from tests.system.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    AMBASSADOR_EMAIL,
    PARTNER_EMAIL,
    TEACHER_EMAIL,
    Platform,
)

pytestmark = [pytest.mark.broker, pytest.mark.timeout(400)]


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n"
)


def _pdf() -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("document", MINIMAL_PDF, filename="casier.pdf", content_type="application/pdf")
    return form


async def test_a_solicitation_from_sign_up_to_erasure_across_four_processes(
    platform: Platform,
) -> None:
    p = platform
    # --- joining: a teacher and an ambassador sign up, links from the emails ----------
    await p.ok("POST", "/api/accounts/staff", json=staff(email=TEACHER_EMAIL))
    await p.ok("POST", "/api/accounts/ambassadors", json=ambassador(email=AMBASSADOR_EMAIL))
    _, teacher = await p.join(TEACHER_EMAIL)
    elodie_id, elodie = await p.join(AMBASSADOR_EMAIL)
    admin = await p.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)

    # --- her employer is a partner; she links herself to it ---------------------------
    organization = await p.ok(
        "POST",
        "/api/accounts/organizations",
        admin,
        json={
            "name": "Watt & Fils",
            "kind": "company",
            "sponsorship": {
                "signed_at": "2026-01-15T10:00:00+01:00",
                "agreed_interventions": 4,
                "annual_revenue_eur": 8_000_000,
                "hourly_loaded_cost_eur": 60,
            },
        },
    )
    organization_id = organization["id"]
    await p.ok("PATCH", "/api/accounts/me", elodie, json={"organization_id": organization_id})

    # --- the admin verifies her criminal record ---------------------------------------
    await p.ok("POST", "/api/accounts/me/criminal-record", elodie, data=_pdf())
    [waiting] = (await p.ok("GET", "/api/accounts/criminal-records", admin))["items"]
    assert waiting["ambassador_id"] == elodie_id
    await p.ok(
        "POST",
        waiting["decision_url"],
        admin,
        json={"decision": "verified", "note": "Bulletin n° 3 vierge"},
    )
    await p.mail(AMBASSADOR_EMAIL, "Votre extrait de casier judiciaire a été vérifié")

    # --- the teacher solicits her (once agenda heard she can be solicited) -------------
    async def solicited() -> Any:
        answer = await p.call(
            "POST",
            "/api/agenda/solicitations",
            teacher,
            json=brief(elodie_id, in_days(10), message="Bonjour Élodie, nos 3e vous attendent."),
        )
        return answer.body if answer.status == 201 else None

    first = await p.eventually(solicited, what="agenda to accept a solicitation of Élodie")
    await p.mail(AMBASSADOR_EMAIL, "Nouvelle sollicitation")

    # --- she refuses, proposing a one-minute slot a few seconds ahead ------------------
    slot_start = datetime.now(UTC) + timedelta(seconds=15)
    refused = await p.ok(
        "POST",
        f"/api/agenda/appointments/{first['id']}/refuse",
        elodie,
        json={
            "message": "Ce jour-là je suis en chantier, mais je peux plus tôt.",
            "alternative_slots": [{"starts_at": slot_start.isoformat(), "duration_minutes": 1}],
        },
    )
    assert refused["status"] == "refused"
    taken = await p.ok(
        "POST", f"/api/agenda/appointments/{first['id']}/alternatives/0/take", teacher
    )
    assert (taken["status"], taken["taken_from"]) == ("accepted", first["id"])
    appointment_id = taken["id"]
    await p.mail(AMBASSADOR_EMAIL, "Intervention confirmée")

    # --- they talk in the conversation opened with the solicitation --------------------
    [conversation] = (await p.ok("GET", "/api/messaging/conversations", elodie))["items"]
    messages = f"/api/messaging/conversations/{conversation['id']}/messages"
    await p.ok("POST", messages, elodie, json={"body": "Je viendrai avec mes outils."})
    await p.ok("POST", messages, teacher, json={"body": "Parfait, merci !"})

    # --- a partner contact of her employer may read its report, nothing else -----------
    await p.ok(
        "POST",
        f"/api/accounts/organizations/{organization_id}/contacts",
        admin,
        json={"first_name": "Inès", "last_name": "Rh", "email": PARTNER_EMAIL},
    )
    _, partner = await p.join(PARTNER_EMAIL)
    refused_directory = await p.call("GET", "/api/accounts/ambassadors", partner)
    assert refused_directory.status == 403

    # --- the appointment completes on its own, then both give feedback -----------------
    async def completed() -> Any:
        answer = await p.call("GET", f"/api/agenda/appointments/{appointment_id}", teacher)
        return answer.body if answer.body and answer.body["status"] == "completed" else None

    await p.eventually(completed, within=150, what="the appointment to complete")
    await p.ok(
        "POST",
        f"/api/agenda/appointments/{appointment_id}/feedback",
        teacher,
        json={"rating": 5, "comment": "Les élèves ont adoré."},
    )
    await p.ok(
        "POST",
        f"/api/agenda/appointments/{appointment_id}/feedback",
        elodie,
        json={"rating": 4, "comment": "Classe curieuse."},
    )

    # --- statistics and the partner report count it ------------------------------------
    stats = await p.ok("GET", "/api/agenda/stats", admin)
    assert stats["delivered"]["interventions"] == 1
    assert stats["delivered"]["pupils_reached"] == 28
    assert stats["solicitations"]["total"] == 2  # the refused one and the taken slot
    statuses = {row["key"]: row["count"] for row in stats["solicitations"]["by_status"]}
    assert (statuses.get("completed"), statuses.get("refused")) == (1, 1)
    year = str(slot_start.astimezone(PARIS).year)
    report_path = f"/api/agenda/organizations/{organization_id}/report"
    report = await p.ok("GET", report_path, partner, params={"year": year})
    assert report["interventions"] == 1
    assert [row["name"] for row in report["employees"]] == ["Élodie M."]
    assert report["agreed_versus_done"] == {"agreed": 4, "done": 1, "rate": 0.25}
    assert report["sponsorship"]["convention"] is True
    assert (await p.ok("GET", report_path, admin, params={"year": year}))["interventions"] == 1

    # --- the admin's read of her hours (not the partner's) reached the audit log --------
    async def report_read_logged() -> Any:
        log = await p.ok("GET", "/api/accounts/audit", admin, params={"user_id": elodie_id})
        return [entry for entry in log["items"] if entry["action"] == "partner_report_read"]

    [logged] = await p.eventually(report_read_logged, what="agenda's report of the read")
    assert (logged["service"], logged["actor_role"]) == ("agenda", "admin")

    # --- she exports her data: the appointment, the conversation, the emails ------------
    exported = await p.ok("GET", "/api/accounts/me/export", elodie)
    assert exported["accounts"]["account"]["email"] == AMBASSADOR_EMAIL
    held = {item["id"]: item for item in exported["agenda"]["appointments"]}
    assert held[appointment_id]["status"] == "completed"
    assert held[first["id"]]["status"] == "refused"
    [talk] = exported["messaging"]["conversations"]
    assert talk["with"] == ["Paul L."]
    said = [(m["from"], m["body"]) for m in exported["messaging"]["messages"]]
    assert ("vous", "Je viendrai avec mes outils.") in said
    assert ("Paul L.", "Parfait, merci !") in said
    sent_to_her = {email["template"] for email in exported["notifier"]["emails"]}
    assert {
        "account_confirmation",
        "criminal_record_decision",
        "solicitation_created",
        "appointment_confirmed",
        "relayed_message",
    } <= sent_to_her
    assert TEACHER_EMAIL not in str(exported)

    # --- she deletes her account: every service confirms, nobody shows her any more ----
    deleted = await p.call("DELETE", "/api/accounts/me", elodie)
    assert deleted.status == 204

    async def erased() -> Any:
        record = await p.ok("GET", f"/api/accounts/erasures/{elodie_id}", admin)
        return record if record["completed_at"] else None

    record = await p.eventually(erased, within=60, what="every service to confirm the erasure")
    assert set(record["confirmations"]) == {"agenda", "messaging", "notifier"}
    await p.mail(AMBASSADOR_EMAIL, "Votre compte Proch'Orientation a été supprimé")

    directory = await p.call("GET", f"/api/accounts/ambassadors/{elodie_id}", teacher)
    assert directory.status == 404
    seen = await p.ok("GET", f"/api/agenda/appointments/{appointment_id}", teacher)
    assert seen["ambassador"]["id"] != elodie_id
    assert seen["ambassador"]["name"] == "Ambassadeur ayant quitté le programme"
    assert seen["status"] == "completed"  # the intervention still counts, anonymously
    talk_now = await p.ok("GET", f"/api/messaging/conversations/{conversation['id']}", teacher)
    names = {part["role"]: part["display_name"] for part in talk_now["participants"]}
    assert names["ambassador"] == "Ancien membre"
    gone = await p.call(
        "POST",
        "/api/accounts/sessions",
        json={"email": AMBASSADOR_EMAIL, "password": PASSWORD},
    )
    assert gone.status == 401
