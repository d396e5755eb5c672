"""Signing in and out, refresh tokens, rate limits, lost and changed passwords."""

from __future__ import annotations

import pytest

from tests.accounts.conftest import PASSWORD, Serve, fast_options, wait_until_expired

# These tests count requests in accounts' fixed windows: each starts clear of a turn.
pytestmark = pytest.mark.usefixtures("steady_window")

OTHER = "Une autre phrase de passe encore"


async def test_unknown_email_and_wrong_password_get_the_same_answer(serve: Serve) -> None:
    async with serve() as client:
        await client.ambassador("known@example.org")
        unknown = await client.log_in("nobody@example.org")
        wrong = await client.log_in("known@example.org", "Pas le bon mot de passe")
        pending = await client.sign_up(email="pending@example.org")
        not_active = await client.log_in("pending@example.org")
    assert pending.status == 201
    assert unknown.status == wrong.status == not_active.status == 401
    assert unknown.body == wrong.body == not_active.body


async def test_the_access_token_carries_the_role_and_scope_and_lasts_a_short_while(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.staff("prof@ac-lille.fr")
        answer = await client.log_in("prof@ac-lille.fr")
        principal = client.running.platform.verifier.verify(answer.body["access_token"])
    assert principal.role == "staff"
    assert principal.establishment_uai == "0590001A"
    assert answer.body["expires_in"] == client.settings.access_token_ttl_seconds
    assert answer.body["user"]["email"] == "prof@ac-lille.fr"


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(serve: Serve) -> None:
    async with serve() as client:
        await client.ambassador("a@example.org")
        first = await client.log_in("a@example.org")
        old_refresh = first.body["refresh_token"]
        rotated = await client.call(
            "POST", "/sessions/refresh", json={"refresh_token": old_refresh}
        )
        assert rotated.status == 200
        new_refresh = rotated.body["refresh_token"]
        assert new_refresh != old_refresh
        replay = await client.call("POST", "/sessions/refresh", json={"refresh_token": old_refresh})
        after_theft = await client.call(
            "POST", "/sessions/refresh", json={"refresh_token": new_refresh}
        )
        me = await client.call("GET", "/me", token=rotated.body["access_token"])
    assert replay.status == 401
    assert after_theft.status == 401  # the whole family is revoked
    assert me.status == 401


async def test_logout_ends_the_session_for_accounts_and_its_refresh_token(serve: Serve) -> None:
    async with serve() as client:
        await client.ambassador("a@example.org")
        session = await client.log_in("a@example.org")
        token = session.body["access_token"]
        out = await client.call("DELETE", "/sessions/current", token=token)
        me = await client.call("GET", "/me", token=token)
        refresh = await client.call(
            "POST", "/sessions/refresh", json={"refresh_token": session.body["refresh_token"]}
        )
    assert out.status == 204
    assert me.status == 401
    assert refresh.status == 401


async def test_repeated_failures_on_an_account_are_refused_for_a_while(serve: Serve) -> None:
    options = fast_options(login_slow_after_account=2, login_lock_after_account=4)
    async with serve(options=options) as client:
        await client.ambassador("target@example.org")
        answers = [
            await client.log_in("target@example.org", f"essai numéro {n}!") for n in range(4)
        ]
        locked = await client.log_in("target@example.org")  # even the right password
        unknown_locked = [await client.log_in("ghost@example.org", "x") for _ in range(5)]
    assert [answer.status for answer in answers] == [401, 401, 401, 401]
    assert locked.status == 429
    assert locked.error_code == "too_many_attempts"
    assert 0 < int(locked.headers["Retry-After"]) <= options.login_window_seconds
    assert "mot de passe perdu" in locked.message
    assert unknown_locked[-1].status == 429  # an unknown address is limited the same way


async def test_failures_from_one_address_across_accounts_are_limited(serve: Serve) -> None:
    options = fast_options(login_slow_after_address=2, login_lock_after_address=5)
    async with serve(options=options) as client:
        answers = [await client.log_in(f"user{n}@example.org", "mauvais") for n in range(6)]
    assert [answer.status for answer in answers] == [401] * 5 + [429]


async def test_forwarded_address_counts_only_behind_a_trusted_proxy(serve: Serve) -> None:
    options = fast_options(login_lock_after_address=2, trusted_proxies=["127.0.0.1"])
    async with serve(options=options) as client:
        for _ in range(2):
            await client.call(
                "POST",
                "/sessions",
                json={"email": "x@example.org", "password": "mauvais"},
                headers={"X-Forwarded-For": "198.51.100.7"},
            )
        same = await client.call(
            "POST",
            "/sessions",
            json={"email": "y@example.org", "password": "mauvais"},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        other = await client.call(
            "POST",
            "/sessions",
            json={"email": "z@example.org", "password": "mauvais"},
            headers={"X-Forwarded-For": "198.51.100.8"},
        )
    assert same.status == 429
    assert other.status == 401


async def test_lost_password_answers_202_whatever_the_address(serve: Serve) -> None:
    async with serve() as client:
        await client.ambassador("a@example.org")
        known = await client.call("POST", "/password-resets", json={"email": "a@example.org"})
        unknown = await client.call("POST", "/password-resets", json={"email": "b@example.org"})
        malformed = await client.call("POST", "/password-resets", json={"email": "pas une adresse"})
        sent = await client.outbox("accounts.password_reset.requested")
    assert known.status == unknown.status == malformed.status == 202
    assert known.body == unknown.body == malformed.body
    assert [event["email"] for event in sent] == ["a@example.org"]


async def test_lost_password_requests_are_rate_limited(serve: Serve) -> None:
    async with serve(options=fast_options(reset_requests_per_email=2)) as client:
        answers = [
            await client.call("POST", "/password-resets", json={"email": "a@example.org"})
            for _ in range(3)
        ]
    assert [answer.status for answer in answers] == [202, 202, 429]
    assert "Retry-After" in answers[-1].headers


async def test_a_reset_link_works_once_newer_links_void_older_and_sessions_end(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.ambassador("a@example.org")
        session = await client.log_in("a@example.org")
        await client.call("POST", "/password-resets", json={"email": "a@example.org"})
        older = await client.link("accounts.password_reset.requested", "a@example.org", "reset_url")
        await client.call("POST", "/password-resets", json={"email": "a@example.org"})
        newer = await client.link("accounts.password_reset.requested", "a@example.org", "reset_url")
        voided = await client.call(
            "POST", "/password-resets/confirm", json={"token": older, "password": OTHER}
        )
        done = await client.call(
            "POST", "/password-resets/confirm", json={"token": newer, "password": OTHER}
        )
        again = await client.call(
            "POST", "/password-resets/confirm", json={"token": newer, "password": OTHER}
        )
        old_session = await client.call("GET", "/me", token=session.body["access_token"])
        old_password = await client.log_in("a@example.org", PASSWORD)
        new_password = await client.log_in("a@example.org", OTHER)
        told = await client.outbox("accounts.password.changed")
    assert voided.status == 410
    assert done.status == 204
    assert again.status == 410
    assert old_session.status == 401
    assert old_password.status == 401
    assert new_password.status == 200
    assert [event["email"] for event in told] == ["a@example.org"]


async def test_a_reset_link_expires_after_its_lifetime(serve: Serve) -> None:
    async with serve(reset_ttl_seconds=1) as client:
        await client.ambassador("a@example.org")
        await client.call("POST", "/password-resets", json={"email": "a@example.org"})
        token = await client.link("accounts.password_reset.requested", "a@example.org", "reset_url")
        await wait_until_expired(client, "/password-resets/confirm", token)
        answer = await client.call(
            "POST", "/password-resets/confirm", json={"token": token, "password": OTHER}
        )
    assert answer.status == 410
    assert answer.error_code == "link_expired"
    assert "mot de passe perdu" in answer.message


async def test_changing_the_password_asks_the_current_one_and_ends_other_sessions(
    serve: Serve,
) -> None:
    async with serve() as client:
        await client.ambassador("a@example.org")
        here = await client.token("a@example.org")
        elsewhere = await client.token("a@example.org")
        wrong = await client.call(
            "POST",
            "/me/password",
            token=here,
            json={"current_password": "pas le bon", "new_password": OTHER},
        )
        weak = await client.call(
            "POST",
            "/me/password",
            token=here,
            json={"current_password": PASSWORD, "new_password": "soleil123456"},
        )
        changed = await client.call(
            "POST",
            "/me/password",
            token=here,
            json={"current_password": PASSWORD, "new_password": OTHER},
        )
        still_here = await client.call("GET", "/me", token=here)
        other_device = await client.call("GET", "/me", token=elsewhere)
        told = await client.outbox("accounts.password.changed")
    assert (wrong.status, wrong.error_code) == (403, "wrong_password")
    assert (weak.status, weak.error_code) == (422, "weak_password")
    assert changed.status == 204
    assert still_here.status == 200
    assert other_device.status == 401
    assert len(told) == 1
