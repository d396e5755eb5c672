"""Issue 6, item 7: across processes, as a deployment runs them.

Agenda, messaging and the notifier each run as ``python -m services.<name>`` over the
real RabbitMQ and the session's MongoDB-wire server. The test plays accounts (it
publishes the people's profile and contact events, signs their access tokens), a
school's staff member using the API, and an ambassador replying from their own mail
program by real SMTP. Everyone's inbox is a real aiosmtpd.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import aiosmtplib
import pytest

from shared.bus.rabbit import RabbitBus
from shared.contracts.accounts import (
    AmbassadorProfileChanged,
    ContactChanged,
    StaffProfileChanged,
    Territory,
    UserActivated,
)
from shared.events import Envelope, Event
from shared.http import AccessTokenSigner, Principal
from shared.settings import Settings
from tests.fixtures.processes import service_processes, wait_healthy
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import ReceivedMail, SmtpServer

pytestmark = pytest.mark.broker

SERVICES = ("agenda", "messaging", "notifier")
KARIM_EMAIL = "karim.benali@exemple.fr"
LEA_EMAIL = "lea.martin@college-jean-moulin.fr"
KARIM_PHONE = "06 98 76 54 32"
LEA_PHONE = "03 20 11 22 33"


@dataclass
class Deployment:
    """The running processes and how to reach them."""

    urls: dict[str, str]
    relay_smtp_port: int
    settings: Settings
    signer: AccessTokenSigner


@pytest.fixture
async def deployment(
    amqp_url: str, mongo_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> AsyncIterator[tuple[Deployment, aiohttp.ClientSession]]:
    settings = {"REQUIRE_RECORD_CHECK": "false", "NOTIFIER_POLL_SECONDS": "0.2"}
    with service_processes(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        smtp=smtp_server,
        folder=tmp_path,
        services=SERVICES,
        common=settings,
    ) as running:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, running)
            bus = Settings(amqp_url=amqp_url, bus_prefix=running.prefix, log_json=False)
            signer = AccessTokenSigner(running.keys.private_pem, timedelta(hours=1))
            yield Deployment(running.urls, running.relay_smtp_port, bus, signer), http


async def _publish_as_accounts(settings: Settings, events: list[Event]) -> None:
    bus = RabbitBus(settings, "accounts")
    await bus.start()
    try:
        for event in events:
            await bus.publish(Envelope.wrap(event, producer="accounts"))
    finally:
        await bus.close()


def _reply(sender: str, to: str, text: str, in_reply_to: str) -> bytes:
    # As a mail program writes a reply: quoted message below, signature, threading.
    message = EmailMessage()
    message["From"] = f"Karim Benali <{sender}>"
    message["To"] = to
    message["Subject"] = "Re: Présentation en classe"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@mail.exemple.fr>"
    message["In-Reply-To"] = in_reply_to
    message["References"] = in_reply_to
    message["X-Originating-IP"] = "[90.12.34.56]"
    message.set_content(
        f"{text}\n\nBien cordialement,\nKarim Benali\n{KARIM_PHONE}\n\n"
        f"Le mar. 2 déc. 2026 à 10:12, Léa M. via Proch'Orientation <{to}> a écrit :\n"
        "> Bonjour Karim,\n> notre classe aimerait découvrir votre métier.\n"
    )
    return message.as_bytes()


async def test_solicitation_to_email_reply_to_api_answer_with_contact_details_masked_until_shared(
    deployment: tuple[Deployment, aiohttp.ClientSession], smtp_server: SmtpServer
) -> None:
    running, http = deployment
    karim_id, lea_id = f"amb-{uuid.uuid4().hex[:8]}", f"staff-{uuid.uuid4().hex[:8]}"
    karim_token = running.signer.issue(
        Principal(user_id=karim_id, role="ambassador", session_id="s1")
    )
    lea_token = running.signer.issue(
        Principal(user_id=lea_id, role="staff", session_id="s2", establishment_uai="0590001A")
    )

    async def call(method: str, service: str, path: str, token: str, body: Any = None) -> Any:
        async with http.request(
            method,
            f"{running.urls[service]}/api/{service}{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        ) as response:
            return response.status, await response.json()

    # Accounts' side of the story: who Karim and Léa are.
    await _publish_as_accounts(
        running.settings,
        [
            AmbassadorProfileChanged(
                ambassador_id=karim_id,
                revision=1,
                first_name="Karim",
                last_initial="B",
                profile="professional",
                job_title="Technicien de maintenance",
                interventions=["class_presentation"],
                zone=Territory(departments=["59"]),
                solicitable=True,
            ),
            StaffProfileChanged(
                user_id=lea_id,
                first_name="Léa",
                last_initial="M",
                establishment_uai="0590001A",
                establishment_name="Collège Jean Moulin",
                city="Lille",
                postcode="59000",
                department="59",
            ),
            ContactChanged(
                user_id=karim_id,
                email=KARIM_EMAIL,
                phone=KARIM_PHONE,
                first_name="Karim",
                last_name="Benali",
            ),
            ContactChanged(
                user_id=lea_id,
                email=LEA_EMAIL,
                phone=LEA_PHONE,
                first_name="Léa",
                last_name="Martin",
            ),
            UserActivated(
                user_id=karim_id, role="ambassador", email=KARIM_EMAIL, first_name="Karim"
            ),
            UserActivated(user_id=lea_id, role="staff", email=LEA_EMAIL, first_name="Léa"),
        ],
    )

    # 1. Léa solicits Karim through agenda's API: a conversation opens with her message.
    solicitation = {
        "ambassador_id": karim_id,
        "kind": "class_presentation",
        "starts_at": (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat(),
        "duration_minutes": 45,
        "audience": {"level": "3e", "group_size": 28},
        "topic": "Les métiers de la maintenance industrielle",
        "team_member_present": True,
        "message": f"Bonjour Karim, vous pouvez aussi m'appeler au {LEA_PHONE}.",
    }
    answers: list[tuple[int, Any]] = []

    async def solicited() -> bool:
        # Agenda may not have Karim's profile yet: it says so until it has.
        answers.append(await call("POST", "agenda", "/solicitations", lea_token, solicitation))
        return answers[-1][0] == 201

    await wait_until(solicited, within=30, what=f"agenda to take the solicitation: {answers[-1:]}")

    def relayed(address: str) -> list[ReceivedMail]:
        return [m for m in smtp_server.to(address) if m.message["Reply-To"] is not None]

    [invitation] = await _wait_relayed(relayed, KARIM_EMAIL, 1)
    karim_alias = invitation.message["Reply-To"].addresses[0].addr_spec
    [sender] = invitation.message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Léa M. via Proch'Orientation", karim_alias)
    assert "[numéro masqué]" in invitation.text()

    # 2. Karim replies from his mail program, by SMTP, to his alias; his phone is in it.
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=running.relay_smtp_port) as smtp:
        await smtp.sendmail(
            KARIM_EMAIL,
            [karim_alias],
            _reply(
                KARIM_EMAIL,
                karim_alias,
                f"Avec plaisir ! Appelez-moi au {KARIM_PHONE}.",
                invitation.message["Message-ID"],
            ),
        )
    [reply] = await _wait_relayed(relayed, LEA_EMAIL, 1)
    assert "Avec plaisir ! Appelez-moi au [numéro masqué]." in reply.text()
    assert "Bien cordialement" not in reply.text()
    assert "notre classe aimerait" not in reply.text()

    # 3. Léa answers in the platform.
    status, conversations = await call("GET", "messaging", "/conversations", lea_token)
    assert status == 200
    [conversation] = conversations["items"]
    status, _ = await call(
        "POST",
        "messaging",
        f"/conversations/{conversation['id']}/messages",
        lea_token,
        {"body": "Merci Karim ! 28 élèves de 3e seront présents."},
    )
    assert status == 201
    [_, answer] = await _wait_relayed(relayed, KARIM_EMAIL, 2)
    assert "28 élèves de 3e" in answer.text()
    assert answer.message["In-Reply-To"] == reply.message["Message-ID"]

    # 4. Karim shares his details, then writes his number again: now as written.
    status, _ = await call(
        "POST", "messaging", f"/conversations/{conversation['id']}/contact-sharing", karim_token
    )
    assert status == 200
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=running.relay_smtp_port) as smtp:
        await smtp.sendmail(
            KARIM_EMAIL,
            [karim_alias],
            _reply(
                KARIM_EMAIL,
                karim_alias,
                f"Pour le jour J, mon portable : {KARIM_PHONE}.",
                answer.message["Message-ID"],
            ),
        )
    mails_to_lea = await _wait_relayed(relayed, LEA_EMAIL, 3)
    # Two events, two emails: they may reach the inbox in either order (mail programs
    # sort by date).
    sentence = f"Pour le jour J, mon portable : {KARIM_PHONE}."
    [as_written] = [mail for mail in mails_to_lea if sentence in mail.text()]
    [shared_sender] = as_written.message["From"].addresses
    assert shared_sender.display_name == "Karim Benali via Proch'Orientation"

    # Before he shared, nothing of Karim reached Léa; Léa never shared anything.
    for mail in mails_to_lea[:1]:
        for leak in (
            KARIM_EMAIL.encode(),
            b"Benali",
            b"06 98 76",
            b"90.12.34.56",
            b"mail.exemple.fr",
        ):
            assert leak not in mail.raw, leak
    for mail in relayed(KARIM_EMAIL):
        for leak in (LEA_EMAIL.encode(), b"Martin", b"03 20 11 22 33", b"college-jean-moulin"):
            assert leak not in mail.raw, leak
        assert mail.mail_from != LEA_EMAIL


async def _wait_relayed(
    relayed: Any, address: str, count: int, within: float = 30
) -> list[ReceivedMail]:
    got: list[ReceivedMail] = []

    def arrived() -> bool:
        got[:] = relayed(address)
        return len(got) >= count

    await wait_until(arrived, within=within, what=f"{count} relayed emails to {address}")
    return got
