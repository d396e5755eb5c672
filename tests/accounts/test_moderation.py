"""Criminal-record extracts and suspensions, decided in the ambassador's zone."""

from __future__ import annotations

from tests.accounts.conftest import MINIMAL_PDF, Serve, pdf_form


async def test_an_extract_is_checked_by_content_and_size(serve: Serve) -> None:
    async with serve() as client:
        _, token = await client.ambassador("a@example.org")
        disguised = await client.call(
            "POST",
            "/me/criminal-record",
            token=token,
            data=pdf_form(b"\x89PNG\r\n\x1a\n" + b"0" * 2000, filename="casier.pdf"),
        )
        too_big = await client.call(
            "POST",
            "/me/criminal-record",
            token=token,
            data=pdf_form(MINIMAL_PDF[:-6] + b" " * (5 * 1024 * 1024) + b"%%EOF\n"),
        )
        no_file = await client.call("POST", "/me/criminal-record", token=token, data={"other": "x"})
        accepted = await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        me = await client.call("GET", "/me", token=token)
        _, staff_token = await client.staff("prof@ac-lille.fr")
        staff_upload = await client.call(
            "POST", "/me/criminal-record", token=staff_token, data=pdf_form()
        )
    assert (disguised.status, disguised.error_code) == (415, "not_a_pdf")
    assert (too_big.status, too_big.error_code) == (413, "document_too_large")
    assert (no_file.status, no_file.error_code) == (400, "document_missing")
    assert accepted.status == 202
    assert accepted.body["status"] == "submitted"
    assert me.body["ambassador"]["record"]["status"] == "submitted"
    assert staff_upload.status == 403


async def test_an_upload_that_is_not_the_multipart_it_says_is_refused(serve: Serve) -> None:
    bodies = {
        "no boundary": ("multipart/form-data", MINIMAL_PDF),
        "no starting boundary": ("multipart/form-data; boundary=XYZ", b"garbage"),
        "cut short": (
            "multipart/form-data; boundary=XYZ",
            b'--XYZ\r\nContent-Disposition: form-data; name="document"\r\n\r\n' + MINIMAL_PDF[:40],
        ),
    }
    async with serve() as client:
        _, token = await client.ambassador("a@example.org")
        answers = {
            name: await client.call(
                "POST",
                "/me/criminal-record",
                token=token,
                data=body,
                headers={"Content-Type": content_type},
            )
            for name, (content_type, body) in bodies.items()
        }
        me = await client.call("GET", "/me", token=token)
    for name, answer in answers.items():
        assert (answer.status, answer.error_code) == (400, "upload_malformed"), name
        assert answer.message.startswith("L'envoi est illisible"), name
    assert me.body["ambassador"]["record"]["status"] == "missing"


async def test_other_routes_keep_the_default_body_limit(serve: Serve) -> None:
    async with serve() as client:
        big = await client.call(
            "POST",
            "/password-resets",
            data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
            headers={"Content-Type": "application/json"},
        )
    assert big.status == 413


async def test_a_referent_of_the_zone_decides_and_the_document_is_then_deleted(
    serve: Serve,
) -> None:
    async with serve() as client:
        ambassador_id, token = await client.ambassador("a@example.org")  # zone: Lille Centre
        _, other = await client.referent("somme@example.org", ["80"])
        _, nord = await client.referent("nord@example.org", ["59"])
        await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        path = f"/ambassadors/{ambassador_id}/criminal-record"
        foreign_read = await client.call("GET", f"{path}/document", token=other)
        foreign = await client.call(
            "POST", f"{path}/decision", token=other, json={"decision": "verified"}
        )
        document = await client.call("GET", f"{path}/document", token=nord)
        decided = await client.call(
            "POST",
            f"{path}/decision",
            token=nord,
            json={"decision": "verified", "note": "Bulletin n° 3 vierge"},
        )
        twice = await client.call(
            "POST", f"{path}/decision", token=nord, json={"decision": "rejected"}
        )
        stored = await client.db["record_documents"].count_documents({})
        [event] = await client.outbox("accounts.criminal_record.decided")
        profiles = await client.outbox("accounts.ambassador.profile_changed")
        me = await client.call("GET", "/me", token=token)
    assert foreign_read.status == 403
    assert foreign.status == 403
    assert foreign.error_code == "not_your_zone"
    assert document.status == 200
    assert document.body == MINIMAL_PDF
    assert document.headers["Content-Type"] == "application/pdf"
    assert decided.status == 200
    assert decided.body["decided_by"]
    assert (twice.status, twice.error_code) == (409, "no_record_submitted")
    assert stored == 0
    assert event["decision"] == "verified"
    assert event["ambassador_id"] == ambassador_id
    assert profiles[-1]["solicitable"] is True
    record = me.body["ambassador"]["record"]
    assert record["status"] == "verified"
    assert record["note"] == "Bulletin n° 3 vierge"


async def test_a_rejected_extract_stops_solicitations_even_when_not_required(serve: Serve) -> None:
    async with serve(require_record_check=False) as client:
        ambassador_id, token = await client.ambassador("a@example.org")
        await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        await client.call(
            "POST",
            f"/ambassadors/{ambassador_id}/criminal-record/decision",
            token=await client.admin_token(),
            json={"decision": "rejected", "note": "Mention"},
        )
        profiles = await client.outbox("accounts.ambassador.profile_changed")
    assert [p["solicitable"] for p in profiles] == [True, False]
    assert profiles[-1]["not_solicitable_reason"] == "record_rejected"


async def test_suspension_with_a_reason_and_lifting_it(serve: Serve) -> None:
    async with serve(require_record_check=False) as client:
        ambassador_id, _ = await client.ambassador("a@example.org")
        _, referent = await client.referent("ref@example.org", [], ["lille-centre"])
        path = f"/ambassadors/{ambassador_id}/suspension"
        suspended = await client.call(
            "POST", path, token=referent, json={"reason": "Absences répétées"}
        )
        again = await client.call("POST", path, token=referent, json={"reason": "Encore"})
        lifted = await client.call("DELETE", path, token=referent)
        lifted_twice = await client.call("DELETE", path, token=referent)
        [suspension] = await client.outbox("accounts.ambassador.suspended")
        [reinstated] = await client.outbox("accounts.ambassador.reinstated")
        profiles = await client.outbox("accounts.ambassador.profile_changed")
    assert suspended.status == 200
    assert suspended.body["reason"] == "Absences répétées"
    assert again.status == 409
    assert lifted.status == 204
    assert lifted_twice.status == 409
    assert suspension == {"ambassador_id": ambassador_id, "reason": "Absences répétées"}
    assert reinstated == {"ambassador_id": ambassador_id}
    assert [(p["revision"], p["solicitable"]) for p in profiles] == [
        (1, True),
        (2, False),
        (3, True),
    ]
