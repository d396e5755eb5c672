"""Each email recorded as sent once accepted, its Message-ID kept across a resend.

A worker killed in the middle of a batch (a real process, SIGKILL) and a database
that drops the worker's connections (the store's own failpoint, scoped to the
worker's client) are the interruptions; the SMTP servers are real aiosmtpd servers.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pymongo import AsyncMongoClient
from pymongo.errors import AutoReconnect

from services.notifier.sender import SmtpSender
from services.notifier.store import INDEXES, NotifierStore
from services.notifier.worker import DeliveryWorker
from shared.mongo import Document, connect, ensure_indexes
from shared.settings import Settings
from tests.fixtures.mongo import failing_commands
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer, free_port
from tests.notifier.conftest import NotifierDatabase, fast_delivery
from tests.notifier.test_delivery import delivery_for, exactly_once, people

MakeSettings = Callable[..., Settings]
ROOT = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=10)


class AcceptThenHold:
    """An SMTP server that accepts ``accept`` messages, then holds the next one
    unanswered: the worker is then in the middle of its batch."""

    def __init__(self, accept: int) -> None:
        self.port = free_port()
        self.accepted: list[str] = []
        self.holding = threading.Event()
        self._accept = accept
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if len(self.accepted) < self._accept:
            self.accepted.extend(envelope.rcpt_tos)
            return "250 Message accepted for delivery"
        self.holding.set()
        await asyncio.sleep(3_600)  # never answers: cancelled when the server stops
        return "451 4.3.0 not reached"

    def __enter__(self) -> AcceptThenHold:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@pytest.fixture
async def worker_client(
    mongo_url: str, database_prefix: str
) -> AsyncIterator[tuple[str, AsyncMongoClient[Document]]]:
    """A client of its own for the worker under test, and its application name (the
    failpoints of these tests only touch it)."""
    app_name = f"{database_prefix}worker"
    client = connect(mongo_url, app_name=app_name)
    yield app_name, client
    await client.close()


async def _queued(notifier_db: NotifierDatabase, addresses: list[str]) -> None:
    now = datetime.now(UTC)
    await ensure_indexes(notifier_db.store.deliveries.database, INDEXES)
    await notifier_db.store.deliveries.insert_many([delivery_for(a, now) for a in addresses])


async def test_a_worker_killed_mid_batch_has_recorded_each_email_the_server_accepted(
    mongo_url: str,
    database_prefix: str,
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
) -> None:
    addresses = [address for _, address in people(5)]
    await _queued(notifier_db, addresses)

    with AcceptThenHold(accept=2) as first_server:
        worker = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.notifier.worker_process",
            mongo_url,
            f"{database_prefix}notifier",
            str(first_server.port),
            "5",
            cwd=ROOT,
        )
        try:
            await wait_until(first_server.holding.is_set, within=30, what="a third email")
        finally:
            worker.kill()
            await worker.wait()
    accepted = first_server.accepted
    sent = await notifier_db.deliveries(status="sent")
    left = await notifier_db.deliveries(status="sending")

    assert len(accepted) == 2
    assert sorted(record["recipient"] for record in sent) == sorted(accepted)
    assert "message" not in sent[0]
    assert len(left) == 3

    # Another replica, once the dead worker's lease ended, sends the rest: the email
    # that was in flight, and nothing the server had accepted. (The dead worker's
    # lease began after it started, before the kill.)
    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    replica = DeliveryWorker(
        notifier_db.store,
        SmtpSender(make_settings(**smtp_server.settings()), timeout=5),
        fast_delivery(),
        clock=lambda: later,
    )
    assert await replica.run_once() == 3
    exactly_once(smtp_server, [a for a in addresses if a not in accepted])


async def test_an_email_sent_again_after_an_interruption_keeps_its_message_id(
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
    mongo_client: AsyncMongoClient[Document],
    worker_client: tuple[str, AsyncMongoClient[Document]],
    database_prefix: str,
) -> None:
    app_name, client = worker_client
    settings = make_settings(**smtp_server.settings())
    store = NotifierStore(client[f"{database_prefix}notifier"])
    worker = DeliveryWorker(store, SmtpSender(settings, timeout=5), fast_delivery())
    now = datetime.now(UTC)
    # A message rendered without a Message-ID header; its record has one.
    record = {**delivery_for("karim@exemple.fr", now), **worker.claim_fields(now)}
    await ensure_indexes(notifier_db.store.deliveries.database, INDEXES)
    await notifier_db.store.deliveries.insert_one(record)
    worker.hand_over([record])

    # The server accepts the email, then the database drops every write of the worker
    # (beyond its retries): the email cannot be recorded as sent.
    async with failing_commands(
        mongo_client, app_name=app_name, commands=["update"], times=100, close_connection=True
    ):
        with pytest.raises(AutoReconnect):
            await worker.run_once()
    [still_claimed] = await notifier_db.deliveries()
    assert still_claimed["status"] == "sending"

    # Once its lease ended, another replica sends it again.
    later = now + LEASE + timedelta(seconds=1)
    replica = DeliveryWorker(
        notifier_db.store, SmtpSender(settings, timeout=5), fast_delivery(), clock=lambda: later
    )
    assert await replica.run_once() == 1
    [done] = await notifier_db.deliveries()

    assert done["status"] == "sent"
    first, again = smtp_server.to("karim@exemple.fr")
    assert first.message["Message-ID"] == record["message_id"]
    assert again.message["Message-ID"] == record["message_id"]
    assert first.raw == again.raw


async def test_recording_an_accepted_email_rides_out_a_few_database_failures(
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
    mongo_client: AsyncMongoClient[Document],
    worker_client: tuple[str, AsyncMongoClient[Document]],
    database_prefix: str,
) -> None:
    app_name, client = worker_client
    store = NotifierStore(client[f"{database_prefix}notifier"])
    worker = DeliveryWorker(
        store, SmtpSender(make_settings(**smtp_server.settings()), timeout=5), fast_delivery()
    )
    now = datetime.now(UTC)
    record = {**delivery_for("lea@exemple.fr", now), **worker.claim_fields(now)}
    await ensure_indexes(notifier_db.store.deliveries.database, INDEXES)
    await notifier_db.store.deliveries.insert_one(record)
    worker.hand_over([record])

    # The first two writes after the send lose their connection; the third passes.
    async with failing_commands(
        mongo_client, app_name=app_name, commands=["update"], times=2, close_connection=True
    ):
        assert await worker.run_once() == 1
    [done] = await notifier_db.deliveries()

    assert done["status"] == "sent"
    assert "message" not in done
    assert len(smtp_server.to("lea@exemple.fr")) == 1
