"""Messaging's throughput: messages relayed by email, and replies received by SMTP.

The whole path runs for real, in one process like the embedded platform but over
RabbitMQ: messaging and the notifier on a SecantusDB (or ``MONGO_URL``), an aiosmtpd
sink in another process (the people's inboxes, on the second core) stamping each email
it accepts.

- relayed: ``--messages`` posts through the HTTP API (``--clients`` at a time, spread
  over ``--conversations`` conversations, so that each person stays under the
  platform's posting limit, on as in production); the clock runs from the first post
  to the last relayed email accepted by the sink (post → outbox → RabbitMQ → notifier →
  SMTP).
- inbound: ``--replies`` reply mails sent by SMTP to the ambassadors' aliases
  (``--smtp-clients`` connections, several mails each); the clock runs from the first
  mail to the last reply stored as a message, and to the last one relayed on.

Run: ``python -m bench.messaging_throughput [--messages 2000] [--replies 1000]``
(``AMQP_URL`` picks the broker; by default a throw-away vhost of the local one).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiohttp
import aiosmtplib
from aiohttp import web
from pymongo.asynchronous.collection import AsyncCollection

from bench.servers import broker_url, store_url
from bench.smtp_sink import SmtpSink
from embedded.ports import free_port
from services.messaging.app import create_app as messaging_app
from services.messaging.settings import MessagingSettings
from services.notifier.app import create_app as notifier_app
from services.notifier.settings import NotifierSettings
from shared.contracts.accounts import ContactChanged, UserActivated
from shared.contracts.agenda import AppointmentFacts, Establishment, SolicitationCreated
from shared.events import Envelope
from shared.http import AccessTokenSigner, Principal
from shared.keys import load_key_pair
from shared.mongo import Document
from shared.runtime import Platform, gateway_app
from shared.settings import Settings


@dataclass(frozen=True)
class Pair:
    """One conversation: who asks, who answers by email."""

    requester_id: str
    requester_token: str
    ambassador_id: str
    ambassador_email: str
    conversation_id: str = ""
    ambassador_alias: str = ""


async def wait_count(
    collection: AsyncCollection[Document], query: Document, count: int, within: float
) -> float:
    """Monotonic time when ``collection`` first holds ``count`` documents for ``query``."""
    deadline = time.monotonic() + within
    while True:
        found = await collection.count_documents(query)
        if found >= count:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{found}/{count} after {within:g} s")
        await asyncio.sleep(0.02)


async def prepare(
    platform: Platform, signer: AccessTokenSigner, sink: SmtpSink, conversations: int
) -> list[Pair]:
    """People known to messaging and the notifier, one open conversation per pair."""
    tag = uuid.uuid4().hex[:6]
    pairs = [
        Pair(
            requester_id=f"staff-{tag}-{n}",
            requester_token=signer.issue(
                Principal(
                    user_id=f"staff-{tag}-{n}",
                    role="staff",
                    session_id="bench",
                    establishment_uai="0590001A",
                )
            ),
            ambassador_id=f"amb-{tag}-{n}",
            ambassador_email=f"ambassadeur{n}@exemple.fr",
        )
        for n in range(conversations)
    ]
    events: list[Envelope] = []
    for n, pair in enumerate(pairs):
        for user_id, role, address in (
            (pair.requester_id, "staff", f"equipe{n}@exemple.fr"),
            (pair.ambassador_id, "ambassador", pair.ambassador_email),
        ):
            events.append(
                Envelope.wrap(
                    ContactChanged(
                        user_id=user_id, email=address, first_name="Zoé", last_name="Martin"
                    ),
                    producer="accounts",
                )
            )
            events.append(
                Envelope.wrap(
                    UserActivated(user_id=user_id, role=role, email=address, first_name="Zoé"),
                    producer="accounts",
                )
            )
    assert not any(await platform.bus.publish_many(events))
    await sink.wait_for(2 * conversations, within=120)  # the "account activated" emails
    solicitations = [
        Envelope.wrap(
            SolicitationCreated(
                appointment=AppointmentFacts(
                    appointment_id=f"rdv-{tag}-{n}",
                    ambassador_id=pair.ambassador_id,
                    ambassador_name="Zoé M.",
                    requester_id=pair.requester_id,
                    requester_name="Zoé M.",
                    kind="class_presentation",
                    format="in_person",
                    starts_at=datetime.now(UTC) + timedelta(days=30),
                    duration_minutes=45,
                    establishment=Establishment(name="Collège", city="Lille", postcode="59000"),
                ),
                message=None,
                requester_role="staff",
            ),
            producer="agenda",
        )
        for n, pair in enumerate(pairs)
    ]
    assert not any(await platform.bus.publish_many(solicitations))
    # The notifier also tells each ambassador about their solicitation.
    await sink.wait_for(3 * conversations, within=120)
    db = platform.mongo[platform.settings.database_name("messaging")]
    await wait_count(db["conversations"], {}, conversations, 120)
    opened: list[Pair] = []
    for pair in pairs:
        doc = await db["conversations"].find_one({"participant_ids": pair.ambassador_id})
        assert doc is not None
        alias = next(p["alias"] for p in doc["participants"] if p["role"] == "ambassador")
        opened.append(
            Pair(**{**pair.__dict__, "conversation_id": doc["_id"], "ambassador_alias": alias})
        )
    return opened


@dataclass(frozen=True)
class RelayedRound:
    """Figures of one round of posts."""

    relayed_per_s: float  # first post → last relayed email accepted by the sink
    posts_per_s: float  # API answers
    published_per_s: float  # first post → last relay event confirmed by RabbitMQ
    latencies: list[float]


async def relayed_round(
    platform: Platform,
    base_url: str,
    pairs: list[Pair],
    sink: SmtpSink,
    *,
    messages: int,
    clients: int,
) -> RelayedRound:
    """Post ``messages`` through the API and time them to the inboxes."""
    outbox = platform.mongo[platform.settings.database_name("messaging")]["outbox"]
    published = {"type": "messaging.message.relayed", "published_at": {"$ne": None}}
    published_before = await outbox.count_documents(published)
    already = len(sink.accepted)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(messages):
        queue.put_nowait(n)
    latencies: list[float] = []

    async def client(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            pair = pairs[n % len(pairs)]
            began = time.monotonic()
            async with http.post(
                f"{base_url}/api/messaging/conversations/{pair.conversation_id}/messages",
                json={"body": f"Message {n} : la classe aura 28 élèves de 3e."},
                headers={"Authorization": f"Bearer {pair.requester_token}"},
            ) as response:
                assert response.status == 201, await response.text()
            latencies.append(time.monotonic() - began)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
        started = time.monotonic()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        posted = time.monotonic()
        on_broker = await wait_count(outbox, published, published_before + messages, 300)
        last = await sink.wait_for(already + messages, within=max(120.0, messages / 5))
    return RelayedRound(
        relayed_per_s=messages / (last - started),
        posts_per_s=messages / (posted - started),
        published_per_s=messages / (on_broker - started),
        latencies=latencies,
    )


def reply(pair: Pair, relay_domain: str, n: int) -> bytes:
    """A reply as a mail program sends it: new words, signature, quoted message."""
    message = EmailMessage()
    message["From"] = f"Zoé Martin <{pair.ambassador_email}>"
    message["To"] = f"{pair.ambassador_alias}@{relay_domain}"
    message["Subject"] = "Re: Présentation en classe"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@exemple.fr>"
    message.set_content(
        f"Réponse {n} : avec plaisir, je viendrai avec des pièces de l'atelier.\n\n"
        "Bien cordialement,\nZoé Martin\n06 12 34 56 78\n\n"
        "Le lun. 1 déc. 2026 à 10:12, Zoé M. via Proch'Orientation a écrit :\n"
        "> Bonjour, seriez-vous disponible ?\n"
    )
    return message.as_bytes()


async def inbound_round(
    platform: Platform, pairs: list[Pair], sink: SmtpSink, *, replies: int, clients: int
) -> tuple[float, float]:
    """(replies stored/s, replies relayed/s) for ``replies`` mails sent by SMTP."""
    settings = platform.settings
    db = platform.mongo[settings.database_name("messaging")]
    already = len(sink.accepted)
    mails = [
        (pairs[n % len(pairs)], reply(pairs[n % len(pairs)], settings.relay_domain, n))
        for n in range(replies)
    ]
    shares = [mails[k::clients] for k in range(clients)]

    async def client(share: list[tuple[Pair, bytes]]) -> None:
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=settings.relay_smtp_port, timeout=60)
        async with smtp:
            for pair, raw in share:
                errors, _ = await smtp.sendmail(
                    pair.ambassador_email,
                    [f"{pair.ambassador_alias}@{settings.relay_domain}"],
                    raw,
                )
                assert not errors, errors

    started = time.monotonic()
    await asyncio.gather(*(client(share) for share in shares))
    stored = await wait_count(db["messages"], {"source": "email"}, replies, 120)
    relayed = await sink.wait_for(already + replies, within=max(120.0, replies / 5))
    return replies / (stored - started), replies / (relayed - started)


async def main() -> None:
    """Parse arguments, run the rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=2000, help="API posts per round")
    parser.add_argument("--replies", type=int, default=1000, help="SMTP replies per round")
    # Enough people that the platform's own abuse limit (MESSAGING_MESSAGES_PER_MINUTE)
    # holds: each requester posts messages/conversations times per round.
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=32, help="concurrent HTTP clients")
    parser.add_argument("--smtp-clients", type=int, default=8, help="concurrent SMTP clients")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("services").setLevel(logging.WARNING)

    relayed: list[float] = []
    posts: list[float] = []
    published: list[float] = []
    latencies: list[float] = []
    stored: list[float] = []
    inbound_relayed: list[float] = []
    with tempfile.TemporaryDirectory(prefix="messaging-bench-") as folder:
        async with SmtpSink() as sink, store_url(Path(folder)) as url, broker_url() as amqp_url:
            tag = uuid.uuid4().hex[:8]
            settings = Settings(
                amqp_url=amqp_url,
                mongo_url=url,
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                data_dir=Path(folder),
                database_prefix=f"bench{tag}_",
                bus_prefix=f"bench{tag}",
                relay_smtp_port=free_port(),
                log_json=False,
                log_level="WARNING",
            )
            signer = AccessTokenSigner(load_key_pair(settings, create=True).private_pem, 3600)
            config = MessagingSettings()
            services = {
                "messaging": lambda p: messaging_app(p, config),
                "notifier": lambda p: notifier_app(p, NotifierSettings()),
            }
            async with Platform.open(settings, process="bench-messaging") as platform:
                runner = web.AppRunner(gateway_app(platform, services), access_log=None)
                await runner.setup()
                port = free_port()
                await web.TCPSite(runner, "127.0.0.1", port).start()
                try:
                    pairs = await prepare(platform, signer, sink, args.conversations)
                    for number in range(args.rounds):
                        figures = await relayed_round(
                            platform,
                            f"http://127.0.0.1:{port}",
                            pairs,
                            sink,
                            messages=args.messages,
                            clients=args.clients,
                        )
                        relayed.append(figures.relayed_per_s)
                        posts.append(figures.posts_per_s)
                        published.append(figures.published_per_s)
                        latencies.extend(figures.latencies)
                        print(
                            f"round {number + 1} relayed: {figures.relayed_per_s:6.0f} messages/s "
                            f"(API answered {figures.posts_per_s:.0f}/s, events on the broker "
                            f"{figures.published_per_s:.0f}/s)",
                            flush=True,
                        )
                        in_stored, in_relayed = await inbound_round(
                            platform,
                            pairs,
                            sink,
                            replies=args.replies,
                            clients=args.smtp_clients,
                        )
                        stored.append(in_stored)
                        inbound_relayed.append(in_relayed)
                        print(
                            f"round {number + 1} inbound: {in_stored:6.0f} replies/s stored "
                            f"({in_relayed:.0f}/s relayed on)",
                            flush=True,
                        )
                finally:
                    await runner.cleanup()
    latencies.sort()
    print(f"\nMedian of {args.rounds} rounds ({args.conversations} conversations):")
    print(
        f"  relayed (API post → email accepted): {statistics.median(relayed):6.0f} messages/s"
        f"   [{args.messages} posts, {args.clients} clients; API answered at "
        f"{statistics.median(posts):.0f}/s, p50 {_ms(latencies, 0.5)} ms, "
        f"p99 {_ms(latencies, 0.99)} ms]"
    )
    print(
        f"  of which messaging alone (post → relay event confirmed by RabbitMQ): "
        f"{statistics.median(published):.0f}/s"
    )
    print(
        f"  inbound SMTP replies processed:      {statistics.median(stored):6.0f} replies/s"
        f"   [{args.replies} mails, {args.smtp_clients} connections; relayed on at "
        f"{statistics.median(inbound_relayed):.0f}/s]"
    )


def _ms(sorted_values: list[float], quantile: float) -> str:
    if not sorted_values:
        return "-"
    index = min(len(sorted_values) - 1, int(quantile * len(sorted_values)))
    return f"{sorted_values[index] * 1000:.0f}"


if __name__ == "__main__":
    asyncio.run(main())
