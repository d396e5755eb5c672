"""Messaging served for real: its API over a socket, its SMTP endpoint on a free port,
the notifier delivering the relayed emails into a real aiosmtpd.

A test opens a :class:`Relay` with :func:`open_relay`, names the people of its story
(their private details reach messaging and the notifier as accounts would send them),
opens conversations by publishing agenda's ``agenda.solicitation.created`` and then
acts as the people do: HTTP calls with their tokens, mails to their aliases by SMTP.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import unicodedata
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest

from services.messaging.app import create_app as messaging_app
from services.messaging.settings import MessagingSettings
from services.notifier.store import PENDING
from services.notifier.subscriptions import NotifierUserErased
from shared.bus import Delivery, Subscription
from shared.bus.memory import MemoryBus
from shared.contracts.accounts import ContactChanged, UserActivated, UserDeleted
from shared.contracts.agenda import AppointmentFacts, Establishment, SolicitationCreated
from shared.contracts.messaging import (
    MessagingExportPrepared,
    MessagingPersonalDataRead,
    MessagingUserErased,
)
from shared.events import Envelope, Event
from shared.http import AccessTokenSigner, Principal, Territory
from shared.keys import load_key_pair
from shared.settings import Settings
from tests.fixtures.http import Answer, send
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import ReceivedMail, SmtpServer, free_port
from tests.notifier.conftest import notifier

CORPUS = Path(__file__).parent / "corpus"
# The alias written in the corpus files; tests put the real one in its place.
CORPUS_ALIAS = "q7kx3m2wz5n4b6c3d2f7g4h5"
CORPUS_SENDER = "karim.benali@exemple.fr"

MakeSettings = Callable[..., Settings]


@dataclass(frozen=True)
class Person:
    """Someone of the test's story, with a valid access token."""

    user_id: str
    role: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    token: str

    @property
    def short_name(self) -> str:
        """ "Prénom N.", as the other party sees them before sharing."""
        return f"{self.first_name} {self.last_name[0]}."


def corpus_mail(name: str, alias: str) -> bytes:
    """A raw mail of the corpus, addressed to ``alias``."""
    return (CORPUS / name).read_bytes().replace(CORPUS_ALIAS.encode(), alias.encode())


@dataclass
class Relay:
    """Messaging and the notifier running for one test, and the people in it."""

    run: RunningPlatform
    outbox: SmtpServer  # the SMTP server where people's mailboxes are
    signer: AccessTokenSigner
    producer_bus_publish: Callable[[Envelope], Any]
    collected: list[Event] = field(default_factory=list)

    async def collect(self, delivery: Delivery) -> None:
        """What accounts receives from the services (personal-data answers)."""
        self.collected.append(delivery.event)

    async def received(self, kind: type[Event], *, within: float = 15) -> list[Event]:
        """The events of type ``kind`` accounts received, once there is one."""

        def arrived() -> bool:
            return any(isinstance(event, kind) for event in self.collected)

        await wait_until(arrived, within=within, what=kind.type)
        return [event for event in self.collected if isinstance(event, kind)]

    @property
    def settings(self) -> Settings:
        return self.run.settings

    @property
    def relay_domain(self) -> str:
        return self.settings.relay_domain

    @property
    def smtp_port(self) -> int:
        return self.settings.relay_smtp_port

    # people ------------------------------------------------------------------------

    def person(
        self,
        role: str,
        first_name: str,
        last_name: str,
        email_address: str | None = None,
        *,
        phone: str | None = None,
        territory: Territory | None = None,
    ) -> Person:
        """A person with a token (not yet known to the services: see :meth:`introduce`)."""
        user_id = uuid.uuid4().hex
        principal = Principal(
            user_id=user_id,
            role=role,
            session_id=uuid.uuid4().hex,
            establishment_uai="0590001A" if role == "staff" else None,
            territory=territory if role == "referent" else None,
        )
        ascii_name = unicodedata.normalize("NFKD", first_name).encode("ascii", "ignore").decode()
        address = email_address or f"{ascii_name.lower()}.{uuid.uuid4().hex[:6]}@exemple.fr"
        return Person(
            user_id=user_id,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=address,
            phone=phone,
            token=self.signer.issue(principal),
        )

    async def publish(self, event: Event, *, producer: str) -> Envelope:
        """Publish ``event`` as ``producer`` would."""
        envelope = Envelope.wrap(event, producer=producer)
        await self.producer_bus_publish(envelope)
        return envelope

    async def introduce(self, *people: Person) -> None:
        """Accounts tells messaging and the notifier who these people are."""
        for person in people:
            await self.publish(
                ContactChanged(
                    user_id=person.user_id,
                    email=person.email,
                    phone=person.phone,
                    first_name=person.first_name,
                    last_name=person.last_name,
                ),
                producer="accounts",
            )
            await self.publish(
                UserActivated(
                    user_id=person.user_id,
                    role=person.role,
                    email=person.email,
                    first_name=person.first_name,
                ),
                producer="accounts",
            )
        contacts = self.run.platform.mongo[self.settings.database_name("messaging")]["contacts"]
        for person in people:
            await self.outbox.wait_for(1, to=person.email)  # "account activated" sent

            async def known(user_id: str = person.user_id) -> bool:
                # The notifier's email may come before messaging copied the details.
                return await contacts.find_one({"_id": user_id}, {"_id": 1}) is not None

            await wait_until(known, within=15, what="messaging to know the contact")

    async def delete_account(self, person: Person) -> None:
        """Accounts announces that ``person`` deleted their account."""
        await self.publish(
            UserDeleted(
                user_id=person.user_id,
                role=person.role,
                email=person.email,
                first_name=person.first_name,
            ),
            producer="accounts",
        )

    async def solicit(
        self,
        requester: Person,
        ambassador: Person,
        message: str | None = "Bonjour, notre classe de 3e aimerait découvrir votre métier.",
        *,
        department: str | None = "59",
        bassin: str | None = "lille-est",
        appointment_id: str | None = None,
    ) -> dict[str, Any]:
        """Agenda announces a solicitation; returns the conversation once opened."""
        appointment_id = appointment_id or uuid.uuid4().hex
        facts = AppointmentFacts(
            appointment_id=appointment_id,
            ambassador_id=ambassador.user_id,
            ambassador_name=ambassador.short_name,
            requester_id=requester.user_id,
            requester_name=requester.short_name,
            kind="class_presentation",
            format="in_person",
            starts_at=datetime(2027, 3, 11, 13, 0, tzinfo=UTC),
            duration_minutes=45,
            establishment=Establishment(
                uai="0590001A",
                name="Collège Jean Moulin",
                city="Lille",
                postcode="59000",
                department=department,
                bassin=bassin,
            ),
        )
        await self.publish(
            SolicitationCreated(
                appointment=facts,
                message=message,
                requester_role="staff" if requester.role == "staff" else "referent",
            ),
            producer="agenda",
        )
        return await self.conversation_of(ambassador, appointment_id)

    async def conversation_of(self, person: Person, appointment_id: str) -> dict[str, Any]:
        """``person``'s conversation about ``appointment_id``, once it is open."""
        found: list[dict[str, Any]] = []

        async def opened() -> bool:
            answer = await self.get("/conversations?limit=100", person)
            found[:] = [c for c in answer.body["items"] if c["appointment_id"] == appointment_id]
            return bool(found)

        await wait_until(opened, within=15, what="the conversation to open")
        return found[0]

    # HTTP ----------------------------------------------------------------------------

    async def call(self, method: str, path: str, who: Person | None, json: Any = None) -> Answer:
        """``method /api/messaging{path}`` as ``who``."""
        token = who.token if who else None
        return await send(
            self.run.http, method, self.run.url(f"/api/messaging{path}"), token=token, json=json
        )

    async def get(self, path: str, who: Person | None) -> Answer:
        return await self.call("GET", path, who)

    async def post(self, path: str, who: Person | None, json: Any = None) -> Answer:
        return await self.call("POST", path, who, json)

    async def write(self, conversation: dict[str, Any], who: Person, body: str) -> Answer:
        """``who`` posts ``body`` in the conversation; fails unless 201."""
        answer = await self.post(
            f"/conversations/{conversation['id']}/messages", who, {"body": body}
        )
        assert answer.status == 201, answer.body
        return answer

    async def messages(self, conversation: dict[str, Any], who: Person) -> list[dict[str, Any]]:
        """The newest page of messages as ``who`` reads them (oldest first)."""
        answer = await self.get(f"/conversations/{conversation['id']}/messages?limit=100", who)
        assert answer.status == 200, answer.body
        return list(answer.body["items"])

    async def wait_messages(
        self, conversation: dict[str, Any], who: Person, count: int
    ) -> list[dict[str, Any]]:
        """Wait until the conversation has ``count`` messages."""
        seen: list[dict[str, Any]] = []

        async def enough() -> bool:
            seen[:] = await self.messages(conversation, who)
            return len(seen) >= count

        await wait_until(enough, within=15, what=f"{count} messages")
        return seen

    async def reply_address(self, conversation: dict[str, Any], who: Person) -> str:
        """``who``'s own alias address in the conversation."""
        answer = await self.get(f"/conversations/{conversation['id']}", who)
        return str(answer.body["reply_address"])

    async def settle(self) -> None:
        """Wait until nothing is left in flight (events, outbox, emails to send), so the
        services stop between two pieces of work rather than in the middle of one.

        Tests that delete an account settle first: SecantusDB 0.7.0b3 can deadlock when
        the notifier cancels a deleted user's pending emails (in a transaction) while
        its worker marks the same records sent (outside one).
        """
        bus = self.run.platform.bus
        mongo = self.run.platform.mongo
        messaging_outbox = mongo[self.settings.database_name("messaging")]["outbox"]
        deliveries = mongo[self.settings.database_name("notifier")]["deliveries"]
        pending = [status.value for status in PENDING]

        async def quiet() -> bool:
            if isinstance(bus, MemoryBus):
                state = bus.state()
                if state["queued"] or state["in_flight"] or state["waiting_retry"]:
                    return False
            if await messaging_outbox.count_documents({"published_at": None}):
                return False
            return not await deliveries.count_documents({"status": {"$in": pending}})

        await wait_until(quiet, within=20, what="messaging and the notifier to settle")

    # mail ----------------------------------------------------------------------------

    async def relayed(self, to: Person, count: int, *, within: float = 20) -> list[ReceivedMail]:
        """The conversation emails ``to`` received (not the platform's notices)."""
        got: list[ReceivedMail] = []

        def arrived() -> bool:
            got[:] = [
                mail
                for mail in self.outbox.to(to.email)
                if b"Reply-To:" in mail.raw.split(b"\r\n\r\n")[0]
            ]
            return len(got) >= count

        await wait_until(arrived, within=within, what=f"{count} relayed emails to {to.first_name}")
        return got

    async def send(
        self, raw: bytes, *, sender: str, recipients: list[str], size_option: bool = True
    ) -> tuple[int, str]:
        """Send ``raw`` to the relay's SMTP endpoint; the final answer (code, text)."""
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=self.smtp_port, timeout=10)
        async with client:
            if size_option:
                errors, text = await client.sendmail(sender, recipients, raw)
                assert not errors, errors
                return 250, text
            await client.mail(sender)
            for recipient in recipients:
                await client.rcpt(recipient)
            try:
                response = await client.data(raw)
            except aiosmtplib.SMTPDataError as refused:
                return refused.code, refused.message
            return response.code, response.message


def mail_from(
    sender: str,
    to: str,
    body: str,
    *,
    subject: str = "Re: Présentation en classe",
    headers: dict[str, str] | None = None,
    from_header: str | None = None,
) -> bytes:
    """A plain reply as a simple mail program writes it."""
    message = EmailMessage()
    message["From"] = from_header or sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = f"<{uuid.uuid4().hex}@exemple.fr>"
    message["Date"] = email.utils.format_datetime(datetime.now(UTC))
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes(policy=email.policy.SMTP)


@pytest.fixture
def open_relay(
    make_settings: MakeSettings, smtp_server: SmtpServer
) -> Callable[..., contextlib.AbstractAsyncContextManager[Relay]]:
    """Start messaging and the notifier: ``async with open_relay(**config) as relay``.

    ``amqp_url`` runs them over RabbitMQ; other keywords are ``MessagingSettings``.
    """

    @contextlib.asynccontextmanager
    async def start(amqp_url: str | None = None, **config: Any) -> AsyncIterator[Relay]:
        values: dict[str, Any] = {"messages_per_minute": 1000, "smtp_shutdown_grace_seconds": 2}
        values.update(config)
        messaging_config = MessagingSettings(**values)
        settings = make_settings(
            amqp_url=amqp_url, relay_smtp_port=free_port(), **smtp_server.settings()
        )
        signer = AccessTokenSigner(
            load_key_pair(settings, create=True).private_pem, timedelta(hours=1)
        )
        services = {
            "messaging": lambda platform: messaging_app(platform, messaging_config),
            "notifier": notifier(),
        }
        async with running(settings, services) as run:
            relay = Relay(run, smtp_server, signer, run.platform.bus.publish)
            # Accounts' side of the personal-data protocol: collect the answers.
            for event in (
                MessagingUserErased,
                MessagingExportPrepared,
                MessagingPersonalDataRead,
                NotifierUserErased,
            ):
                await run.platform.bus.subscribe(
                    Subscription("accounts", "collect", event, relay.collect)
                )
            yield relay
            await relay.settle()

    return start
