"""Short leases and their heartbeat: a live worker keeps its claims however slow its
sends, and a dead replica's claims go to the other one within seconds.

Replicas run as real processes killed with SIGKILL; the SMTP server is a real
aiosmtpd server, slowed down so that a burst is still going when the kill comes.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from services.notifier.sender import SmtpSender
from services.notifier.store import INDEXES
from services.notifier.worker import DeliveryWorker
from shared.mongo import ensure_indexes
from shared.settings import Settings
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import free_port
from tests.notifier.conftest import NotifierDatabase, fast_delivery
from tests.notifier.test_delivery import delivery_for, people

ROOT = Path(__file__).resolve().parents[2]


class SlowServer:
    """An SMTP server that takes ``pause`` seconds to accept each message."""

    def __init__(self, pause: float) -> None:
        self.port = free_port()
        self.received: list[str] = []
        self._pause = pause
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        await asyncio.sleep(self._pause)
        with self._lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def counts(self) -> Counter[str]:
        """How many times each address received an email."""
        with self._lock:
            return Counter(self.received)

    def settings(self) -> Settings:
        return Settings(smtp_host="127.0.0.1", smtp_port=self.port, log_json=False)


@pytest.fixture
def slow_server() -> Iterator[SlowServer]:
    server = SlowServer(pause=0.05)
    server._controller.start()
    yield server
    server._controller.stop()


async def _queue(notifier_db: NotifierDatabase, addresses: list[str]) -> None:
    now = datetime.now(UTC)
    await ensure_indexes(notifier_db.store.deliveries.database, INDEXES)
    await notifier_db.store.deliveries.insert_many([delivery_for(a, now) for a in addresses])


async def _replica(mongo_url: str, database: str, port: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.notifier.worker_process",
        mongo_url,
        database,
        str(port),
        "10",
        "forever",
        cwd=ROOT,
    )


async def test_a_replica_killed_mid_burst_leaves_its_claims_to_the_other_replica(
    mongo_url: str,
    database_prefix: str,
    notifier_db: NotifierDatabase,
    slow_server: SlowServer,
) -> None:
    addresses = [address for _, address in people(60)]
    await _queue(notifier_db, addresses)
    database = f"{database_prefix}notifier"

    doomed = await _replica(mongo_url, database, slow_server.port)
    try:
        await wait_until(
            lambda: len(slow_server.received) >= 15, within=60, what="the burst under way"
        )
    finally:
        doomed.kill()
        await doomed.wait()
    # Records the dead replica had claimed and not sent are still its own, under lease.
    assert await notifier_db.store.deliveries.count_documents({"status": "sending"}) > 0

    survivor = await _replica(mongo_url, database, slow_server.port)
    try:
        # The lease is 15 s: far within this deadline if the leases end as they should.
        await wait_until(
            lambda: set(slow_server.counts()) == set(addresses),
            within=90,
            what="every email sent",
        )
        await notifier_db.wait_finished(len(addresses), within=30)
    finally:
        survivor.kill()
        await survivor.wait()

    counts = slow_server.counts()
    twice = [address for address, count in counts.items() if count > 1]
    # At most the one email in flight at the kill went twice; none more than twice.
    assert len(twice) <= 1
    assert max(counts.values()) <= 2
    assert {r["status"] for r in await notifier_db.deliveries()} == {"sent"}


async def test_a_worker_slower_than_its_lease_keeps_its_claim_while_alive(
    notifier_db: NotifierDatabase,
) -> None:
    # Each email takes 0.4 s to be accepted: a batch of six lasts twice the 1.2 s
    # lease. The heartbeat keeps the claim; another worker polling all along finds
    # nothing to take, and no email goes twice.
    server = SlowServer(pause=0.4)
    server._controller.start()
    try:
        addresses = [address for _, address in people(6)]
        await _queue(notifier_db, addresses)
        config = fast_delivery(batch_size=6, lease_seconds=1.2)
        slow = DeliveryWorker(notifier_db.store, SmtpSender(server.settings(), timeout=5), config)
        other = DeliveryWorker(notifier_db.store, SmtpSender(server.settings(), timeout=5), config)

        sending = asyncio.create_task(slow.run_once())
        deliveries = notifier_db.store.deliveries

        async def claimed() -> bool:
            return await deliveries.count_documents({"status": "sending"}) > 0

        await wait_until(claimed, what="the batch claimed")
        taken_by_other = 0
        while not sending.done():
            taken_by_other += await other.run_once()
            await asyncio.sleep(0.1)

        assert await sending == 6
    finally:
        server._controller.stop()

    assert taken_by_other == 0
    assert server.counts() == Counter(addresses)
    assert {r["status"] for r in await notifier_db.deliveries()} == {"sent"}
