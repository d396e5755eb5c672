"""Accounts and the notifier together, with a real SMTP server: what a newcomer lives."""

from __future__ import annotations

from tests.accounts.conftest import (
    LINK,
    PASSWORD,
    Serve,
    ambassador,
    eventually,
    token_of,
    wait_until_expired,
)
from tests.fixtures.smtp import ReceivedMail, SmtpServer


def reset_mails(server: SmtpServer, address: str, count: int) -> list[ReceivedMail] | None:
    mails = [m for m in server.to(address) if "/mot-de-passe?token=" in m.text()]
    return mails if len(mails) >= count else None


def link_in(mail_text: str, page: str) -> str:
    links = [link for link in LINK.findall(mail_text) if f"/{page}?token=" in link]
    assert links, mail_text
    return token_of(links[0])


async def test_sign_up_email_confirmation_login_and_me(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    async with serve(notifier=True, **smtp_server.settings()) as client:
        signed = await client.call("POST", "/ambassadors", json=ambassador(email="new@example.org"))
        assert signed.status == 201
        [mail] = await smtp_server.wait_for(1, to="new@example.org")
        token = link_in(mail.text(), "activer")
        confirmed = await client.call(
            "POST", "/confirmations", json={"token": token, "password": PASSWORD}
        )
        session = await client.log_in("new@example.org")
        me = await client.call("GET", "/me", token=session.body["access_token"])
    assert confirmed.status == 200
    assert session.status == 200
    assert me.body["email"] == "new@example.org"
    assert me.body["ambassador"]["profile"] == "professional"


async def test_expired_confirmation_then_lost_password_for_a_never_activated_account(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    async with serve(notifier=True, confirmation_ttl_seconds=1, **smtp_server.settings()) as client:
        await client.call("POST", "/ambassadors", json=ambassador(email="late@example.org"))
        [welcome] = await smtp_server.wait_for(1, to="late@example.org")
        token = link_in(welcome.text(), "activer")
        await wait_until_expired(client, "/confirmations", token)
        expired = await client.call(
            "POST", "/confirmations", json={"token": token, "password": PASSWORD}
        )
        assert (expired.status, expired.error_code) == (410, "link_expired")
        assert "mot de passe perdu" in expired.message
        asked = await client.call("POST", "/password-resets", json={"email": "late@example.org"})
        assert asked.status == 202
        mails = await smtp_server.wait_for(2, to="late@example.org")
        reset = link_in(mails[-1].text(), "mot-de-passe")
        done = await client.call(
            "POST", "/password-resets/confirm", json={"token": reset, "password": PASSWORD}
        )
        login = await client.log_in("late@example.org")
    assert done.status == 204
    assert login.status == 200


async def test_reset_links_are_single_use_newest_wins_and_sessions_end(
    serve: Serve, smtp_server: SmtpServer
) -> None:
    async with serve(notifier=True, **smtp_server.settings()) as client:
        await client.call("POST", "/ambassadors", json=ambassador(email="a@example.org"))
        [welcome] = await smtp_server.wait_for(1, to="a@example.org")
        await client.call(
            "POST",
            "/confirmations",
            json={"token": link_in(welcome.text(), "activer"), "password": PASSWORD},
        )
        session = await client.log_in("a@example.org")
        for _ in range(2):
            await client.call("POST", "/password-resets", json={"email": "a@example.org"})
        resets = await eventually(lambda: reset_mails(smtp_server, "a@example.org", 2))
        older, newer = (
            link_in(resets[0].text(), "mot-de-passe"),
            link_in(resets[1].text(), "mot-de-passe"),
        )
        assert "5 minutes" in resets[1].text()
        new_password = "Un nouveau départ pour Élodie"
        voided = await client.call(
            "POST", "/password-resets/confirm", json={"token": older, "password": new_password}
        )
        used = await client.call(
            "POST", "/password-resets/confirm", json={"token": newer, "password": new_password}
        )
        reused = await client.call(
            "POST", "/password-resets/confirm", json={"token": newer, "password": new_password}
        )
        old_session = await client.call("GET", "/me", token=session.body["access_token"])
        # welcome, activated, two reset links, then the notice of the change
        told = await smtp_server.wait_for(5, to="a@example.org")
    assert (voided.status, used.status, reused.status) == (410, 204, 410)
    assert old_session.status == 401
    notices = [m for m in told if "/mot-de-passe?token=" not in m.text()]
    assert any("mot de passe" in str(m.message["Subject"]).lower() for m in notices)


async def test_email_change_reaches_both_addresses(serve: Serve, smtp_server: SmtpServer) -> None:
    async with serve(notifier=True, **smtp_server.settings()) as client:
        await client.call("POST", "/ambassadors", json=ambassador(email="old@example.org"))
        [welcome] = await smtp_server.wait_for(1, to="old@example.org")
        await client.call(
            "POST",
            "/confirmations",
            json={"token": link_in(welcome.text(), "activer"), "password": PASSWORD},
        )
        token = await client.token("old@example.org")
        asked = await client.call(
            "POST",
            "/me/email",
            token=token,
            json={"new_email": "new@example.org", "current_password": PASSWORD},
        )
        assert asked.status == 202
        [to_new] = await smtp_server.wait_for(1, to="new@example.org")
        notice = await smtp_server.wait_for(3, to="old@example.org")  # welcome, activated, notice
        confirmed = await client.call(
            "POST", "/email-changes/confirm", json={"token": link_in(to_new.text(), "email")}
        )
    assert confirmed.status == 200
    assert "/email?token=" not in notice[-1].text()  # the old address gets no usable link
