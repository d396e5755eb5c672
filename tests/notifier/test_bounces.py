"""Bounces: every email leaves with the bounce address as envelope sender, and the
delivery status notifications (RFC 3464) sent back to it over SMTP mark an address
that refuses mail for good, so the platform stops writing to it until it changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiosmtplib
import pytest

from embedded.ports import free_port
from services.notifier.domain.bounces import read_dsn
from shared.contracts.accounts import EmailChanged
from shared.contracts.agenda import SolicitationCreated
from shared.http import Principal
from shared.keys import load_key_pair
from shared.settings import Settings
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import NotifierDatabase, fast_delivery, notifier, publish_all
from tests.notifier.samples import AMBASSADOR_EMAIL, AMBASSADOR_ID, REQUESTER_EMAIL, REQUESTER_ID
from tests.notifier.test_admin_api import ADMIN, token_for

MakeSettings = Callable[..., Settings]
BOUNCES = "bounces@prochorientation.localhost"
AMBASSADOR = Principal(user_id=AMBASSADOR_ID, role="ambassador", session_id="s-amb")
NEW_EMAIL = "zoe.nouvelle@exemple.fr"


def dsn(recipient: str, message_id: str, *, status: str = "5.1.1", action: str = "failed") -> bytes:
    """A delivery status notification as Postfix writes one, returning the headers."""
    code = "550" if status.startswith("5") else "452"
    return (
        "From: MAILER-DAEMON@mx.exemple.fr (Mail Delivery System)\r\n"
        f"To: {BOUNCES}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n'
        "\r\n"
        "--B1\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n"
        "\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n"
        "--B1\r\n"
        "Content-Type: message/delivery-status\r\n"
        "\r\n"
        "Reporting-MTA: dns; mx.exemple.fr\r\n"
        "Arrival-Date: Sun, 6 Dec 2026 03:00:00 +0100 (CET)\r\n"
        "\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Original-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; {code} {status} <{recipient}>: Recipient address rejected\r\n"
        "\r\n"
        "--B1\r\n"
        "Content-Type: text/rfc822-headers\r\n"
        "\r\n"
        "From: Proch'Orientation <ne-pas-repondre@prochorientation.localhost>\r\n"
        f"To: {recipient}\r\n"
        f"Message-ID: {message_id}\r\n"
        "Subject: Votre compte est actif\r\n"
        "\r\n"
        "--B1--\r\n"
    ).encode()


async def send_bounce(port: int, raw: bytes) -> None:
    """Deliver ``raw`` to the bounce address as a mail server does (null sender)."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
        await smtp.sendmail("", [BOUNCES], raw)


async def call(run: RunningPlatform, path: str, headers: dict[str, str]) -> Any:
    async with run.http.get(run.url(f"/api/notifier{path}"), headers=headers) as answer:
        assert answer.status == 200, await answer.text()
        return await answer.json()


@pytest.fixture
def settings(make_settings: MakeSettings, smtp_server: SmtpServer) -> Settings:
    made = make_settings(**smtp_server.settings())
    load_key_pair(made, create=True)
    return made


def test_a_dsn_is_read_per_recipient_and_only_5xx_failures_are_hard() -> None:
    [hard] = read_dsn(dsn("Zoe.Martin@Exemple.fr", "<m1@prochorientation.localhost>"))
    [soft] = read_dsn(dsn(AMBASSADOR_EMAIL, "<m1@x>", status="4.2.2", action="delayed"))
    assert (hard.recipient, hard.status, hard.hard) == (AMBASSADOR_EMAIL, "5.1.1", True)
    assert hard.message_id == "<m1@prochorientation.localhost>"
    assert "Recipient address rejected" in hard.diagnostic
    assert not soft.hard
    # A plain email (an auto-reply, a person writing back) is no report at all.
    assert read_dsn(b"From: a@b\r\nSubject: Absent\r\n\r\nJe suis absente.\r\n") == []


async def test_a_hard_bounce_over_smtp_marks_the_address_and_stops_the_next_email(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    port = free_port()
    people = [
        samples.activated(),
        samples.activated(REQUESTER_ID, REQUESTER_EMAIL, "Paul", "staff"),
    ]
    config = fast_delivery(bounce_smtp_port=port)
    async with running(settings, {"notifier": notifier(config)}) as run:
        await publish_all(run.platform, people)
        [welcome] = await smtp_server.wait_for(1, to=AMBASSADOR_EMAIL)
        [other] = await smtp_server.wait_for(1, to=REQUESTER_EMAIL)
        await notifier_db.wait_finished(2)
        # Every email leaves with the bounce address as its envelope sender.
        assert welcome.mail_from == BOUNCES
        welcome_id = str(welcome.message["Message-ID"])

        # A temporary failure, and a forged report naming no email of ours: no effect.
        await send_bounce(
            port,
            dsn(
                REQUESTER_EMAIL, str(other.message["Message-ID"]), status="4.2.2", action="delayed"
            ),
        )
        await send_bounce(port, dsn(REQUESTER_EMAIL, "<forged@elsewhere.example>"))
        await send_bounce(port, dsn(AMBASSADOR_EMAIL, welcome_id))
        # The endpoint takes nothing but the bounce address.
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port) as smtp:
                await smtp.sendmail("", ["ne-pas-repondre@prochorientation.localhost"], b"x")

        admin = token_for(settings, ADMIN)

        async def listed() -> bool:
            return bool(await call(run, "/undeliverable", admin))

        await wait_until(listed, what="the bounce to be recorded")
        shown = await call(run, "/undeliverable", admin)
        mine = await call(run, "/me/emails", token_for(settings, AMBASSADOR))

        await publish_all(
            run.platform,
            [
                SolicitationCreated(
                    appointment=samples.facts(), message=None, requester_role="staff"
                ),
                SolicitationCreated(
                    appointment=samples.facts(
                        appointment_id="apt-43",
                        ambassador_id=REQUESTER_ID,
                        requester_id=AMBASSADOR_ID,
                    ),
                    message=None,
                    requester_role="staff",
                ),
            ],
        )
        records = await notifier_db.wait_finished(4)

        # A new address starts clean: the next email reaches it.
        changed = EmailChanged(
            user_id=AMBASSADOR_ID, first_name="Zoé", old_email=AMBASSADOR_EMAIL, new_email=NEW_EMAIL
        )
        await publish_all(run.platform, [changed])
        await smtp_server.wait_for(1, to=NEW_EMAIL)
        after = await call(run, "/me/emails", token_for(settings, AMBASSADOR))
        still_listed = await call(run, "/undeliverable", admin)
        url = run.url(f"/api/notifier/undeliverable/{AMBASSADOR_EMAIL}")
        async with run.http.delete(url, headers=admin) as answer:
            not_blocked = (answer.status, (await answer.json())["error"]["code"])

    [line] = shown
    assert (line["address"], line["user_id"], line["status"]) == (
        AMBASSADOR_EMAIL,
        AMBASSADOR_ID,
        "5.1.1",
    )
    assert mine["address_undeliverable"] is True
    # The solicitation to the bouncing address was not sent; the other one was.
    assert len(smtp_server.to(AMBASSADOR_EMAIL)) == 1
    assert len(smtp_server.to(REQUESTER_EMAIL)) == 2
    [skipped] = [r for r in records if r["status"] == "skipped"]
    assert (skipped["recipient"], skipped["last_error"]) == (
        AMBASSADOR_EMAIL,
        "skipped_undeliverable",
    )
    assert after["address_undeliverable"] is False
    assert still_listed == []
    assert not_blocked == (404, "address_not_undeliverable")
