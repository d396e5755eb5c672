"""The page of an emailed link: what the link is for, a new one in place of an expired one.

Expiry is reached either by waiting for a one-second link, or by moving a link's
expiry into the past in the database (the clock moving on, without waiting 12 hours).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.accounts.conftest import (
    LINK,
    PASSWORD,
    Client,
    Serve,
    ambassador,
    eventually,
    fast_options,
    token_of,
)
from tests.fixtures.smtp import SmtpServer

# These tests count requests in accounts' fixed windows: each starts clear of a turn.
pytestmark = pytest.mark.usefixtures("steady_window")

EMAIL = "elodie.martin@example.org"


async def expire_links(client: Client, purpose: str) -> None:
    """Put every link of ``purpose`` past its expiry, as if its time had run out."""
    await client.db["link_tokens"].update_many(
        {"purpose": purpose}, {"$set": {"expires_at": datetime.now(UTC) - timedelta(minutes=1)}}
    )


async def status_of(client: Client, token: str) -> tuple[int, object]:
    answer = await client.call("POST", "/links/status", json={"token": token})
    return answer.status, answer.body


async def test_confirmation_opens_a_session_for_the_person_who_chose_the_password(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.sign_up()
        confirmed = await client.activate(EMAIL)
        me = await client.call("GET", "/me", token=confirmed.body["access_token"])
        refreshed = await client.call(
            "POST", "/sessions/refresh", json={"refresh_token": confirmed.body["refresh_token"]}
        )
    assert confirmed.status == 200
    assert confirmed.body["status"] == "active"
    assert confirmed.body["role"] == "ambassador"
    assert confirmed.body["user"]["email"] == EMAIL
    assert confirmed.body["user"]["id"] == confirmed.body["id"]
    assert confirmed.body["expires_in"] > 0
    assert me.status == 200
    assert me.body["email"] == EMAIL
    assert refreshed.status == 200


async def test_link_status_says_purpose_and_state_and_forgets_a_used_link(serve: Serve) -> None:
    async with serve() as client:
        await client.sign_up()
        token = await client.link("accounts.user.registered", EMAIL)
        valid = await status_of(client, token)
        await client.activate(EMAIL)
        used = await status_of(client, token)
        unknown = await status_of(client, "x" * 43)
    assert valid[0] == 200
    assert isinstance(valid[1], dict)
    assert (valid[1]["purpose"], valid[1]["state"], valid[1]["email"]) == (
        "confirmation",
        "valid",
        EMAIL,
    )
    assert used[0] == 404
    assert isinstance(used[1], dict)
    assert used[1]["error"]["code"] == "link_not_found"
    assert "déjà été utilisé" in used[1]["error"]["message"]
    assert unknown[0] == 404


async def test_an_expired_link_is_known_as_expired_without_its_address(serve: Serve) -> None:
    async with serve(reset_ttl_seconds=1) as client:
        await client.sign_up()
        await client.activate(EMAIL)
        await client.call("POST", "/password-resets", json={"email": EMAIL})
        token = await client.link("accounts.password_reset.requested", EMAIL, "reset_url")

        async def expired() -> dict[str, object] | None:
            status, body = await status_of(client, token)
            assert status == 200
            assert isinstance(body, dict)
            return body if body["state"] == "expired" else None

        body = await eventually(expired)
    assert body["purpose"] == "password_reset"
    assert body["email"] is None


async def test_renewing_an_expired_confirmation_sends_one_new_link_and_voids_the_old(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.sign_up()
        old = await client.link("accounts.user.registered", EMAIL)
        await expire_links(client, "confirmation")
        renewed = await client.call("POST", "/links/renewal", json={"token": old})
        registered = await client.outbox("accounts.user.registered")
        renewals = await client.outbox("accounts.confirmation_link.renewed")
        assert len(renewals) == 1
        new = token_of(str(renewals[0]["confirmation_url"]))
        old_status = await status_of(client, old)
        new_status = await status_of(client, new)
        confirmed = await client.call(
            "POST", "/confirmations", json={"token": new, "password": PASSWORD}
        )
        users = await client.db["users"].count_documents({"email": EMAIL})
    assert renewed.status == 202
    assert len(registered) == 1  # the sign-up is not done again
    assert renewals[0]["email"] == EMAIL
    assert renewals[0]["role"] == "ambassador"
    assert old_status[0] == 404
    assert new_status[0] == 200
    assert confirmed.status == 200
    assert users == 1


async def test_renewal_answers_alike_for_an_unknown_a_used_and_a_valid_link(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.sign_up()
        token = await client.link("accounts.user.registered", EMAIL)
        unknown = await client.call("POST", "/links/renewal", json={"token": "y" * 43})
        await client.activate(EMAIL)
        used = await client.call("POST", "/links/renewal", json={"token": token})
        renewals = await client.outbox("accounts.confirmation_link.renewed")
    assert (unknown.status, unknown.body) == (202, {"status": "accepted"})
    assert (used.status, used.body) == (202, {"status": "accepted"})
    assert renewals == []


async def test_renewing_an_expired_reset_link_sends_a_fresh_reset_link(serve: Serve) -> None:
    async with serve() as client:
        await client.sign_up()
        await client.activate(EMAIL)
        await client.call("POST", "/password-resets", json={"email": EMAIL})
        old = await client.link("accounts.password_reset.requested", EMAIL, "reset_url")
        await expire_links(client, "password_reset")
        expired = await client.call(
            "POST", "/password-resets/confirm", json={"token": old, "password": PASSWORD}
        )
        renewed = await client.call("POST", "/links/renewal", json={"token": old})
        new = await client.link("accounts.password_reset.requested", EMAIL, "reset_url")
        done = await client.call(
            "POST",
            "/password-resets/confirm",
            json={"token": new, "password": "Un tout autre mot de passe"},
        )
        login = await client.log_in(EMAIL, "Un tout autre mot de passe")
    assert (expired.status, expired.error_code) == (410, "link_expired")
    assert renewed.status == 202
    assert new != old
    assert done.status == 204
    assert login.status == 200


async def test_renewing_an_expired_email_change_link_asks_the_new_address_again(
    serve: Serve,
) -> None:
    async with serve() as client:
        _, access = await client.ambassador(EMAIL)
        asked = await client.call(
            "POST",
            "/me/email",
            token=access,
            json={"new_email": "elodie.nouvelle@example.org", "current_password": PASSWORD},
        )
        assert asked.status == 202
        old = await client.link("accounts.email_change.requested", "elodie.nouvelle@example.org")
        await expire_links(client, "email_change")
        renewed = await client.call("POST", "/links/renewal", json={"token": old})
        requests = await client.outbox("accounts.email_change.requested")
        new = token_of(str(requests[-1]["confirmation_url"]))
        status = await status_of(client, new)
        confirmed = await client.call("POST", "/email-changes/confirm", json={"token": new})
    assert renewed.status == 202
    assert len(requests) == 2
    assert requests[-1]["new_email"] == "elodie.nouvelle@example.org"
    assert status[0] == 200
    assert isinstance(status[1], dict)
    assert (status[1]["purpose"], status[1]["email"]) == (
        "email_change",
        "elodie.nouvelle@example.org",
    )
    assert confirmed.status == 200
    assert confirmed.body["email"] == "elodie.nouvelle@example.org"


async def test_renewals_of_one_link_are_limited_with_the_time_to_wait(serve: Serve) -> None:
    async with serve(options=fast_options(link_renewals_per_link=2)) as client:
        await client.sign_up()
        token = await client.link("accounts.user.registered", EMAIL)
        await expire_links(client, "confirmation")
        answers = [
            await client.call("POST", "/links/renewal", json={"token": token}) for _ in range(3)
        ]
    assert [answer.status for answer in answers] == [202, 202, 429]
    assert answers[2].error_code == "too_many_requests"
    assert int(answers[2].headers["Retry-After"]) > 0


async def test_a_renewed_confirmation_reaches_the_mailbox_as_exactly_one_email(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    async with serve(notifier=True, **smtp_server.settings()) as client:
        await client.call("POST", "/ambassadors", json=ambassador(email="late@example.org"))
        [welcome] = await smtp_server.wait_for(1, to="late@example.org")
        [old_link] = [link for link in LINK.findall(welcome.text()) if "/activer?" in link]
        old = token_of(old_link)
        await expire_links(client, "confirmation")
        renewed = await client.call("POST", "/links/renewal", json={"token": old})
        mails = await smtp_server.wait_for(2, to="late@example.org")
    assert renewed.status == 202
    assert len(mails) == 2
    assert "Voici le nouveau lien que vous avez demandé" in " ".join(mails[1].text().split())
