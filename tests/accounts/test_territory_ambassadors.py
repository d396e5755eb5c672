"""The ambassadors of a referent's territory with their state, for moderation."""

from __future__ import annotations

from tests.accounts.conftest import Serve, pdf_form


async def test_referent_lists_the_territory_ambassadors_with_their_state(serve: Serve) -> None:
    async with serve() as client:
        lille, token = await client.ambassador("a@example.org")  # zone: Lille Centre
        arras, _ = await client.ambassador(
            "b@example.org", first_name="Bruno", zone={"departments": ["62"], "bassins": []}
        )
        waiting, waiting_token = await client.ambassador("c@example.org", first_name="Chloé")
        await client.call("POST", "/me/criminal-record", token=waiting_token, data=pdf_form())
        await client.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        _, nord = await client.referent("nord@example.org", ["59"])
        admin = await client.admin_token()
        await client.call(
            "POST",
            f"/ambassadors/{lille}/criminal-record/decision",
            token=admin,
            json={"decision": "verified"},
        )
        await client.call(
            "POST", f"/ambassadors/{lille}/suspension", token=nord, json={"reason": "Absences"}
        )
        listed = await client.call("GET", "/moderation/ambassadors", token=nord)
        suspended = await client.call(
            "GET", "/moderation/ambassadors", token=nord, params={"state": "suspended"}
        )
        to_check = await client.call(
            "GET", "/moderation/ambassadors", token=nord, params={"state": "record_to_check"}
        )
        region = await client.call("GET", "/moderation/ambassadors", token=admin)
        _, ambassador_token = await client.ambassador("d@example.org")
        refused = await client.call("GET", "/moderation/ambassadors", token=ambassador_token)
    assert listed.status == 200
    rows = {row["id"]: row for row in listed.body["items"]}
    assert set(rows) == {lille, waiting}  # Arras is not in the Nord
    assert [row["name"] for row in listed.body["items"]] == ["Chloé M.", "Élodie M."]
    assert rows[lille]["solicitable"] is False
    assert rows[lille]["not_solicitable_reason"] == "suspended"
    assert rows[lille]["suspension"]["reason"] == "Absences"
    assert rows[lille]["record"]["status"] == "verified"
    assert rows[waiting]["record"]["status"] == "submitted"
    assert rows[waiting]["record_waiting_since"] is not None
    assert rows[waiting]["not_solicitable_reason"] == "record_not_verified"
    assert not {"email", "phone"} & set(rows[lille])
    assert [row["id"] for row in suspended.body["items"]] == [lille]
    assert [row["id"] for row in to_check.body["items"]] == [waiting]
    assert arras in {row["id"] for row in region.body["items"]}
    assert refused.status == 403
