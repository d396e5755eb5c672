"""Sign-in throttling that parallel guesses cannot beat and that attackers cannot turn
against an account's owner (per account and address, per address, growing delays);
demo accounts, whose passwords are published, sign in from this machine only."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from services.accounts.demo import DEMO_ACCOUNTS
from tests.accounts.conftest import PASSWORD, Client, Serve, fast_options
from tests.fixtures.http import Answer

# These tests count requests in accounts' fixed windows: each starts clear of a turn.
pytestmark = pytest.mark.usefixtures("steady_window")

NEW_PASSWORD = "Une toute nouvelle phrase secrète"
ATTACKER = "198.51.100.7"
OWNER_ELSEWHERE = "203.0.113.5"
SCHOOL = "198.51.100.20"


def from_(address: str) -> dict[str, str]:
    """Headers of a request the gateway forwarded for ``address``."""
    return {"X-Forwarded-For": address}


async def sign_in(client: Client, email: str, password: str, address: str) -> Answer:
    return await client.call(
        "POST", "/sessions", json={"email": email, "password": password}, headers=from_(address)
    )


async def test_a_parallel_burst_evaluates_at_most_the_limit_and_then_refuses_the_right_password(
    serve: Serve,
) -> None:
    options = fast_options(
        login_slow_after_account=100, login_lock_after_account=5, trusted_proxies=["127.0.0.1"]
    )
    async with serve(options=options) as client:
        await client.ambassador("target@example.org")
        burst = await asyncio.gather(
            *(sign_in(client, "target@example.org", f"essai {n}!", ATTACKER) for n in range(40))
        )
        right = await sign_in(client, "target@example.org", PASSWORD, ATTACKER)
    statuses = [answer.status for answer in burst]
    assert statuses.count(401) == 5  # the five reserved guesses, not one more
    assert statuses.count(429) == 35
    assert right.status == 429
    assert right.error_code == "too_many_attempts"


async def test_a_parallel_burst_across_accounts_evaluates_at_most_the_address_limit(
    serve: Serve,
) -> None:
    options = fast_options(login_slow_after_address=100, login_lock_after_address=6)
    async with serve(options=options) as client:
        burst = await asyncio.gather(
            *(client.log_in(f"user{n}@example.org", "mauvais") for n in range(30))
        )
    statuses = [answer.status for answer in burst]
    assert statuses.count(401) == 6
    assert statuses.count(429) == 24


async def test_a_parallel_burst_on_the_password_change_evaluates_at_most_the_limit(
    serve: Serve,
) -> None:
    options = fast_options(login_slow_after_account=100, login_lock_after_account=3)
    async with serve(options=options) as client:
        await client.ambassador("a@example.org")
        token = await client.token("a@example.org")
        burst = await asyncio.gather(
            *(
                client.call(
                    "POST",
                    "/me/password",
                    token=token,
                    json={"current_password": f"essai {n}!", "new_password": NEW_PASSWORD},
                )
                for n in range(20)
            )
        )
    statuses = [answer.status for answer in burst]
    assert statuses.count(403) == 3
    assert statuses.count(429) == 17


async def test_guesses_from_one_address_do_not_lock_the_owner_out_from_another(
    serve: Serve,
) -> None:
    options = fast_options(login_lock_after_account=3, trusted_proxies=["127.0.0.1"])
    async with serve(options=options) as client:
        await client.ambassador("target@example.org")
        guesses = [
            await sign_in(client, "target@example.org", f"essai {n}!", ATTACKER) for n in range(4)
        ]
        owner = await sign_in(client, "target@example.org", PASSWORD, OWNER_ELSEWHERE)
    assert [answer.status for answer in guesses] == [401, 401, 401, 429]
    assert owner.status == 200


async def test_an_account_under_attack_lets_each_new_address_try_once_and_its_owner_in(
    serve: Serve,
) -> None:
    options = fast_options(login_attack_after_account=3, trusted_proxies=["127.0.0.1"])
    async with serve(options=options) as client:
        await client.ambassador("target@example.org")
        botnet = [f"198.51.100.{n}" for n in range(1, 4)]
        for address in botnet:
            await sign_in(client, "target@example.org", "devinette", address)
        again = await sign_in(client, "target@example.org", "devinette", botnet[0])
        newcomer = await sign_in(client, "target@example.org", "devinette", "198.51.100.50")
        newcomer_again = await sign_in(client, "target@example.org", "devinette", "198.51.100.50")
        owner = await sign_in(client, "target@example.org", PASSWORD, OWNER_ELSEWHERE)
        told = await client.outbox("accounts.sign_in.attacked")
    assert again.status == 429  # an address that failed gets no more tries
    assert newcomer.status == 401  # one try for an address that never tried
    assert newcomer_again.status == 429
    assert owner.status == 200
    # The owner is told once, however many guesses follow in the window.
    assert [(t["email"], t["failures"]) for t in told] == [("target@example.org", 3)]


async def test_a_school_address_locked_by_others_lets_the_owner_in_after_the_emailed_reset(
    serve: Serve,
) -> None:
    options = fast_options(login_lock_after_address=3, trusted_proxies=["127.0.0.1"])
    async with serve(options=options) as client:
        await client.ambassador("prof@example.org")
        # Activated long ago: the link that activated it is no fresh proof of the mailbox.
        await client.db["users"].update_one(
            {"email": "prof@example.org"},
            {"$set": {"password_changed_at": datetime.now(UTC) - timedelta(days=30)}},
        )
        for n in range(3):  # others behind the school's address mistype their passwords
            await sign_in(client, f"collegue{n}@example.org", "oubli", SCHOOL)
        locked = await sign_in(client, "prof@example.org", PASSWORD, SCHOOL)
        asked = await client.call(
            "POST", "/password-resets", json={"email": "prof@example.org"}, headers=from_(SCHOOL)
        )
        token = await client.link(
            "accounts.password_reset.requested", "prof@example.org", "reset_url"
        )
        reset = await client.call(
            "POST", "/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        owner = await sign_in(client, "prof@example.org", NEW_PASSWORD, SCHOOL)
        stranger = await sign_in(client, "autre@example.org", "oubli", SCHOOL)
    assert locked.status == 429
    assert asked.status == 202
    assert reset.status == 204
    assert owner.status == 200
    assert stranger.status == 429  # the address stays limited for everyone else


async def test_a_right_password_gives_its_attempt_back(serve: Serve) -> None:
    options = fast_options(login_lock_after_account=2, login_lock_after_address=2)
    async with serve(options=options) as client:
        await client.ambassador("a@example.org")
        answers = [await client.log_in("a@example.org") for _ in range(4)]
    assert [answer.status for answer in answers] == [200] * 4


async def test_a_demo_account_signs_in_from_this_machine_only(serve: Serve) -> None:
    [(_, email, password)] = [account for account in DEMO_ACCOUNTS if account[0] == "admin"]
    options = fast_options(trusted_proxies=["127.0.0.1"])
    async with serve(options=options, demo_data=True) as client:
        here = await client.log_in(email, password)
        from_afar = await sign_in(client, email, password, ATTACKER)
        unknown = await sign_in(client, "personne@example.org", password, ATTACKER)
    assert here.status == 200
    assert from_afar.status == 401
    assert from_afar.body == unknown.body  # the same answer as any wrong password
