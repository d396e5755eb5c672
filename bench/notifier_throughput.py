"""Emails per second from an event published on RabbitMQ to the SMTP server accepting it.

The whole path runs for real: an accounts-like publisher puts ``N`` sign-up events on
the broker (``accounts.user.registered``, each with its own address and link); the
notifier consumes them, renders each email and queues its delivery record in the
same transaction as the handled-event mark (SecantusDB, or ``MONGO_URL``); its worker
claims due records and hands them to an aiosmtpd server running in another process
(the second core), which timestamps every message it accepts. The clock runs from
the first publish to the last message accepted.

Two modes are compared, each on fresh databases and queues:

- batch: one SMTP connection reused for each batch of ``--batch`` emails;
- per-email: a new SMTP connection for every email.

Rounds alternate the modes; the median round is reported. Last, the same number of
emails goes through the SMTP sender alone (no broker, no database) in each mode, to
show what the connection policy costs by itself.

Run: ``python -m bench.notifier_throughput [--emails 2000] [--rounds 3]`` (``AMQP_URL``
picks the broker, default guest on 127.0.0.1; ``MONGO_URL`` a MongoDB instead of the
embedded store).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
from aiohttp import web

from bench.servers import service_db, store_url
from bench.smtp_sink import SmtpSink
from services.notifier.app import create_app
from services.notifier.domain import Occurrence, plan
from services.notifier.render import Recipient, Renderer
from services.notifier.sender import SmtpSender
from services.notifier.settings import NotifierSettings
from services.notifier.subscriptions import SERVICE, consumed
from shared.bus.rabbit import RabbitBus
from shared.contracts.accounts import UserRegistered
from shared.events import Envelope
from shared.keys import load_key_pair
from shared.runtime import Platform, gateway_app
from shared.settings import Settings


@dataclass(frozen=True)
class Round:
    """One mode's figures."""

    emails_per_s: float  # first publish to last accepted
    handled_per_s: float  # first publish to every event turned into a queued record
    seconds: float
    # Records sent only at a later attempt, by their last error: a round they slow down
    # waited for the first retry delay (30 s) rather than for the machine.
    retried: dict[str, int]

    def describe(self) -> str:
        """The round's figures on one line."""
        line = (
            f"{self.emails_per_s:7.0f} emails/s ({self.seconds:.2f} s; "
            f"events queued as records at {self.handled_per_s:.0f}/s)"
        )
        if self.retried:
            causes = ", ".join(f"{count} × {error}" for error, count in self.retried.items())
            line += f"; sent after a retry: {causes}"
        return line


def sign_ups(count: int, tag: str) -> list[Envelope]:
    """The events to publish, built before the clock starts."""
    now = datetime.now(UTC)
    return [
        Envelope.wrap(
            UserRegistered(
                user_id=f"{tag}-{n}",
                role="ambassador",
                email=f"ambassadeur{n}@exemple.fr",
                first_name="Zoé",
                last_name="Martin",
                confirmation_url=f"http://127.0.0.1:8080/activer?token={uuid.uuid4().hex}",
                expires_at=now + timedelta(hours=12),
            ),
            producer="accounts",
        )
        for n in range(count)
    ]


async def one_round(
    base: Settings, sink: SmtpSink, *, emails: int, per_email: bool, batch: int
) -> Round:
    tag = uuid.uuid4().hex[:8]
    settings = base.model_copy(
        update={"database_prefix": f"bench{tag}_", "bus_prefix": f"bench{tag}"}
    )
    config = NotifierSettings(batch_size=batch, smtp_connection_per_email=per_email)
    envelopes = sign_ups(emails, tag)
    sink.clear()
    async with Platform.open(settings, process="bench-notifier") as platform:
        runner = web.AppRunner(gateway_app(platform, {"notifier": lambda p: create_app(p, config)}))
        await runner.setup()  # indexes, subscriptions and the delivery worker start
        publisher = RabbitBus(settings, "bench-accounts")
        await publisher.start()
        try:
            started = time.monotonic()
            for start in range(0, emails, 500):
                errors = await publisher.publish_many(envelopes[start : start + 500])
                assert not any(errors), errors
            last = await sink.wait_for(emails, within=max(120.0, emails / 5))
            handled_at, retried = await _records(settings, emails)
        finally:
            await publisher.close()
            await runner.cleanup()
    await drop_topology(settings)
    seconds = last - started
    return Round(
        emails_per_s=emails / seconds,
        handled_per_s=emails / (handled_at - started),
        seconds=seconds,
        retried=retried,
    )


async def drop_topology(settings: Settings) -> None:
    """Delete the round's queues and exchanges: quorum queues hold broker resources."""
    assert settings.amqp_url is not None
    prefix = settings.bus_prefix
    subscriptions = [f"{prefix}.evt-{event.type}--{SERVICE}.{name}" for event, name in consumed()]
    queues = [
        *subscriptions,
        *(f"{name}.parking" for name in subscriptions),
        *(f"{prefix}.wait.{round(delay * 1000)}" for delay in settings.bus_retry_delays),
    ]
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for exchange in ("events", "wait", "requeue", "parking"):
            await channel.exchange_delete(f"{prefix}.{exchange}")


async def _records(settings: Settings, emails: int) -> tuple[float, dict[str, int]]:
    """When the last record was queued (monotonic clock), and the retried ones' errors."""
    # Read once the emails are in: the records were all written by then.
    async with service_db(settings, "notifier", app_name="bench") as db:
        deliveries = db["deliveries"]
        newest = await deliveries.find_one({}, sort=[("created_at", -1)])
        count = await deliveries.count_documents({})
        assert count == emails, f"{count} delivery records for {emails} events"
        assert newest is not None
        retried: dict[str, int] = {}
        async for record in deliveries.find({"attempts": {"$gt": 1}}, {"last_error": 1}):
            error = str(record.get("last_error") or "none recorded")
            retried[error] = retried.get(error, 0) + 1
        wall_to_monotonic = time.monotonic() - time.time()
        return float(newest["created_at"].timestamp() + wall_to_monotonic), retried


async def sender_alone(sink: SmtpSink, base: Settings, *, emails: int, per_email: bool) -> float:
    """Emails/s through the SMTP sender alone (no broker, no database): the cost of the
    connection policy by itself."""
    renderer = Renderer(public_url=base.public_url, mail_from=base.mail_from)
    [outgoing] = plan(
        sign_ups(1, "alone")[0].open(UserRegistered),
        Occurrence(event_id="bench", occurred_at=datetime.now(UTC), public_url=base.public_url),
    )
    mime = renderer.render(outgoing, Recipient("ambassadeur@exemple.fr"), now=datetime.now(UTC))
    sender = SmtpSender(base, timeout=30, per_message=per_email)
    sink.clear()
    started = time.monotonic()
    async with sender.session() as connection:
        for _ in range(emails):
            result = await connection.send(mime.envelope_from, mime.recipient, mime.mime)
            assert result.accepted, result
    last = await sink.wait_for(emails, within=60)
    return emails / (last - started)


async def main() -> None:
    """Parse arguments, run the rounds, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--emails", type=int, default=2000, help="emails per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per mode")
    parser.add_argument("--batch", type=int, default=50, help="emails per SMTP connection")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="notifier-bench-") as folder:
        async with SmtpSink() as sink, store_url(Path(folder)) as url:
            base = Settings(
                amqp_url=os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
                mongo_url=url,
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                data_dir=Path(folder),
                log_json=False,
            )
            load_key_pair(base, create=True)
            results: dict[str, list[Round]] = {"batch": [], "per-email": []}
            for number in range(args.rounds):
                for mode in results:
                    figures = await one_round(
                        base,
                        sink,
                        emails=args.emails,
                        per_email=mode == "per-email",
                        batch=args.batch,
                    )
                    results[mode].append(figures)
                    print(f"round {number + 1} {mode:<9}: {figures.describe()}", flush=True)
            alone = {
                mode: await sender_alone(
                    sink, base, emails=args.emails, per_email=mode == "per-email"
                )
                for mode in results
            }
    print(f"\n{args.emails} emails per round, batches of {args.batch}, median of {args.rounds}:")
    for mode, rounds in results.items():
        median = statistics.median(r.emails_per_s for r in rounds)
        handled = statistics.median(r.handled_per_s for r in rounds)
        print(
            f"  {mode:<9}: {median:7.0f} emails/s   (events handled: {handled:.0f}/s; "
            f"SMTP sender alone: {alone[mode]:.0f}/s)"
        )


if __name__ == "__main__":
    asyncio.run(main())
