"""The delivery worker: sends due records in batches, one SMTP connection per batch.

Several workers (in several replicas) share the work through the store's claims.
The event handler of this process hands its new records over directly: it writes
them already claimed by this process (under a lease), so the worker sends them
without reading them back. It also polls, for retries coming due and for records a
crashed replica left under an expired lease. Leases are short (``NOTIFIER_LEASE_SECONDS``)
and a heartbeat renews those of every record this process holds, sending or waiting
in memory: a slow but live replica keeps its work, a dead one's is taken over within
seconds. A worker asked to stop finishes the
message in hand, records it and hands back the rest, so a restart resumes without
sending anything twice. Each email is recorded as sent as soon as the server accepted
it: a crash (or a database that stays away) leaves at most the one in flight to be
sent again, under the Message-ID stored in its record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from opentelemetry.trace import SpanKind

from services.notifier.message_id import new_message_id, with_message_id
from services.notifier.metrics import delivery_attempted
from services.notifier.sender import SendResult, SmtpSender
from services.notifier.settings import NotifierSettings
from services.notifier.smtp_health import SmtpHealth
from services.notifier.store import NotifierStore, Status
from shared.heartbeat import Heartbeat, beat_seconds
from shared.mongo import Document
from shared.periodic import every, raise_if_stopping
from shared.tracing import continued
from shared.transient import retry_transient

log = logging.getLogger("services.notifier.worker")
T = TypeVar("T")

# At most this many batches wait handed over in memory; records beyond are written
# queued, and claimed from the database batch by batch. The heartbeat renews every
# record held, so a long queue in memory would cost a write per record per beat.
HANDED_BATCHES = 4


def _now() -> datetime:
    return datetime.now(UTC)


class DeliveryWorker:
    """Claims due deliveries, sends them and records each outcome."""

    def __init__(
        self,
        store: NotifierStore,
        sender: SmtpSender,
        config: NotifierSettings,
        *,
        clock: Callable[[], datetime] = _now,
        health: SmtpHealth | None = None,
    ) -> None:
        self._store = store
        # Told of every send, for ``/health``.
        self._health = health or SmtpHealth()
        self._sender = sender
        self._config = config
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False
        # Records written already claimed by this process, in the order they came.
        self._handed: deque[tuple[str, list[Document]]] = deque()
        # One sender at a time works through them, so they leave in the order the
        # events came (two reset links: the newer arrives last).
        self._handed_busy = False
        # What this process holds (claim -> record ids) and until when, as renewed by
        # the heartbeat: the records it sends and those handed over, not yet tried.
        self._held: dict[str, list[str]] = {}
        self._lease_ends: dict[str, datetime] = {}
        self._heartbeat = Heartbeat(
            self._renew_leases, every=beat_seconds(config.lease_seconds), what="email deliveries"
        )

    def wake(self) -> None:
        """Something was queued: look at once instead of at the next poll."""
        self._wake.set()

    def claim_fields(self, now: datetime) -> Document:
        """Fields that make new records claimed by this process, to :meth:`hand_over`;
        none (the records stay queued) while enough are already waiting in memory."""
        waiting = sum(len(records) for _, records in self._handed)
        if waiting >= HANDED_BATCHES * self._config.batch_size:
            return {}
        return {
            "status": Status.SENDING.value,
            "claim": secrets.token_hex(8),
            "lease_until": now + timedelta(seconds=self._config.lease_seconds),
            "attempts": 1,
        }

    def hand_over(self, records: Sequence[Document]) -> None:
        """Records committed with :meth:`claim_fields`: send them without a claim (those
        left queued are claimed from the database)."""
        by_claim: dict[str, list[Document]] = {}
        for record in records:
            if record.get("claim"):
                by_claim.setdefault(record["claim"], []).append(record)
        for claim, claimed in by_claim.items():
            self._hold(claim, [r["_id"] for r in claimed], claimed[0]["lease_until"])
        self._handed.extend(by_claim.items())
        self._wake.set()

    def _hold(self, claim: str, ids: list[str], lease_until: datetime) -> None:
        self._held.setdefault(claim, []).extend(ids)
        self._lease_ends.setdefault(claim, lease_until)

    def _let_go(self, claim: str, ids: Sequence[str]) -> None:
        done = set(ids)
        left = [delivery_id for delivery_id in self._held.get(claim, []) if delivery_id not in done]
        if left:
            self._held[claim] = left
        else:
            self._held.pop(claim, None)
            self._lease_ends.pop(claim, None)

    def _lease_left(self, claim: str) -> timedelta:
        ends = self._lease_ends.get(claim)
        return ends - self._clock() if ends is not None else timedelta(0)

    async def _renew_leases(self) -> None:
        """The heartbeat: push back the lease of what this process holds.

        Claims taken since the last beat are left alone: most are sent before the
        next one, and each renewal is a write per record.
        """
        lease = timedelta(seconds=self._config.lease_seconds)
        fresh = lease - timedelta(seconds=beat_seconds(self._config.lease_seconds) / 2)
        held = {
            claim: list(ids)
            for claim, ids in self._held.items()
            if self._lease_left(claim) <= fresh
        }
        if not held:
            return
        until = self._clock() + lease
        await self._store.renew_leases(held, until=until)
        for claim in held:
            if claim in self._lease_ends:
                self._lease_ends[claim] = until

    @property
    def _handed_waiting(self) -> bool:
        return bool(self._handed) and not self._handed_busy

    async def _take_handed(self) -> tuple[str, list[Document]] | None:
        """The next handed-over batch whose lease leaves ample time to send it."""
        size = self._config.batch_size
        margin = timedelta(seconds=self._config.lease_seconds / 2)
        while self._handed:
            claim, records = self._handed.popleft()
            if len(records) > size:
                self._handed.appendleft((claim, records[size:]))
                records = records[:size]
            if self._lease_left(claim) >= margin:
                return claim, records
            # The heartbeat could not renew the lease (the database away?): another
            # worker may take them once it ends. Back to the queue, rather than risk
            # sending them twice.
            await self._give_back(claim, [r["_id"] for r in records])
        return None

    async def _give_back(self, claim: str, ids: list[str]) -> None:
        self._let_go(claim, ids)
        await self._store.release(ids, claim=claim, now=self._clock())

    async def _hand_back(self) -> None:
        """Stopping: the handed-over records nobody tried go back to the queue."""
        while self._handed:
            claim, records = self._handed.popleft()
            await self._give_back(claim, [r["_id"] for r in records])

    async def run(self, after_pass: Callable[[], Awaitable[object]] | None = None) -> None:
        """Deliver until cancelled; ``after_pass`` runs after each pass (erasures)."""
        try:
            async with self._heartbeat.held():
                await self._deliver(after_pass)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._hand_back())
            raise

    async def _deliver(self, after_pass: Callable[[], Awaitable[object]] | None) -> None:
        config = self._config
        while True:
            self._wake.clear()
            try:
                # A full batch means more may be due: go on until one is not full.
                while await self._shielded_batch() >= config.batch_size or self._handed_waiting:
                    pass
                if after_pass is not None:
                    await after_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be away for a moment: try again at the next poll.
                log.exception("delivery pass failed")
            raise_if_stopping()
            # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that
            # arrives as the event is set, and the worker would never stop.
            try:
                async with asyncio.timeout(config.poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                continue
            # Woken by a handler: during a burst more records follow within
            # milliseconds; gathering them fills batches instead of claiming one by one.
            await asyncio.sleep(config.batch_linger_seconds)

    async def _shielded_batch(self) -> int:
        # A cancelled send could leave a message accepted by the server but not marked
        # sent, to be sent again after the lease: let the batch finish its current
        # message and record everything before giving in to the cancellation.
        task = asyncio.ensure_future(self.run_once())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            self._stopping = True
            with contextlib.suppress(Exception):
                await task
            raise

    async def run_once(self) -> int:
        """Claim and send one batch; returns how many records were claimed."""
        async with self._heartbeat.held():
            return await self._claim_and_send()

    async def _claim_and_send(self) -> int:
        config = self._config
        lease = timedelta(seconds=config.lease_seconds)
        if self._handed_waiting:
            self._handed_busy = True
            try:
                handed = await self._take_handed()
                if handed is not None:
                    return await self._send(*handed)
            finally:
                self._handed_busy = False
        claim = secrets.token_hex(8)
        now = self._clock()
        batch = await self._store.claim_batch(
            now=now, size=config.batch_size, lease=lease, claim=claim
        )
        if batch:
            self._hold(claim, [d["_id"] for d in batch], now + lease)
        return await self._send(claim, batch)

    async def _send(self, claim: str, batch: list[Document]) -> int:
        """Send a claimed batch over one connection; record each outcome at once.

        Each email is marked sent as soon as the server accepted it, before the next
        one is tried: a crash leaves at most the email in flight to be sent again
        (with the same Message-ID, see :meth:`_mime`).
        """
        if not batch:
            return 0
        # Less than this left on the lease (the heartbeat failing to renew it): stop,
        # another worker may take the rest once it ends.
        margin = timedelta(seconds=self._config.lease_seconds / 3)
        sent = 0
        tried = 0
        try:
            async with self._sender.session() as connection:
                for delivery in batch:
                    if self._stopping or self._lease_left(claim) < margin:
                        break
                    # In the trace of the event that queued it (a solicitation's, say).
                    with continued(
                        delivery.get("trace"),
                        "smtp send",
                        kind=SpanKind.CLIENT,
                        attributes=_span_facts(delivery),
                    ) as span:
                        mime = await self._mime(delivery, claim)
                        span.set_attribute("email.message_id", str(delivery["message_id"]))
                        started = time.perf_counter()
                        result = await connection.send(
                            delivery["envelope_from"], delivery["recipient"], mime
                        )
                        delivery_attempted(result.outcome, time.perf_counter() - started)
                        tried += 1
                        self._health.observe(result)
                        span.set_attribute("smtp.outcome", result.outcome.value)
                        if result.accepted:
                            await self._sent(delivery, claim)
                            sent += 1
                        else:
                            await self._failed(delivery, result, claim)
        finally:
            self._let_go(claim, [delivery["_id"] for delivery in batch])
            untried = [delivery["_id"] for delivery in batch[tried:]]
            if untried:
                now = self._clock()
                await self._record(
                    lambda: self._store.release(untried, claim=claim, now=now),
                    what="handing back unsent emails",
                )
        if sent:
            log.info("emails sent", extra={"sent": sent, "batch": len(batch)})
        return len(batch)

    async def _mime(self, delivery: Document, claim: str) -> bytes:
        """The message to send, carrying the record's Message-ID.

        The Message-ID is decided once per record and stored: every attempt, a resend
        after a crash included, carries the same one, so that receiving systems can
        recognise a copy they already have.
        """
        message_id = str(delivery.get("message_id") or "")
        if not message_id:
            # A record written without one: decide it now, once, and keep it.
            message_id = await self._record(
                lambda: self._store.keep_message_id(
                    delivery["_id"],
                    claim=claim,
                    message_id=new_message_id(delivery["envelope_from"]),
                ),
                what="keeping a Message-ID",
            )
            delivery["message_id"] = message_id
        return with_message_id(bytes(delivery["message"]), message_id)

    async def _sent(self, delivery: Document, claim: str) -> None:
        """Accepted by the server: recorded at once, retried on a transient error.

        Should the database stay away past the retries, the record stays claimed and
        goes again once its lease ends: the one email in flight is sent twice, with
        its Message-ID, rather than lost.
        """
        now = self._clock()
        try:
            await self._record(
                lambda: self._store.mark_sent(
                    [delivery["_id"]], claim=claim, now=now, purge_at=self._purge_at(now)
                ),
                what="recording a sent email",
            )
        except Exception:
            log.error(
                "email accepted by the SMTP server but not recorded as sent: it will be "
                "sent again once its lease ends",
                extra={"delivery_id": delivery["_id"], "template": delivery["template"]},
            )
            raise

    async def _record(self, write: Callable[[], Awaitable[T]], *, what: str) -> T:
        """Write what became of an email: a transient database error (a conflict, a
        lost connection, an election) is retried a few times with growing delays
        before the error is raised."""
        return await retry_transient(write, what=what)

    def _purge_at(self, now: datetime) -> datetime:
        return now + timedelta(days=self._config.log_retention_days)

    async def _failed(self, delivery: Document, result: SendResult, claim: str) -> None:
        config = self._config
        now = self._clock()
        attempts = int(delivery["attempts"])
        error = result.describe()
        # Never the address nor the content in the logs: the record's id is enough.
        facts = {
            "delivery_id": delivery["_id"],
            "template": delivery["template"],
            "outcome": result.outcome.value,
            "smtp_code": result.code,
            "attempts": attempts,
        }

        async def finish(status: Status, what: str) -> None:
            # No more attempts: the record keeps its last error until it is purged.
            await self._record(
                lambda: self._store.finish(
                    delivery["_id"],
                    claim=claim,
                    status=status,
                    error=error,
                    now=now,
                    purge_at=self._purge_at(now),
                ),
                what=what,
            )

        if not result.outcome.temporary:
            log.warning("email refused for good", extra=facts)
            await finish(Status.FAILED, "recording a refused email")
            return
        age = now - delivery["queued_at"]
        if attempts >= config.max_attempts or age.total_seconds() >= config.max_age_seconds:
            log.error("email given up after repeated temporary failures", extra=facts)
            await finish(Status.DEAD, "recording an email given up")
            return
        delay = config.retry_delay(attempts)
        log.info("email will be retried", extra={**facts, "retry_in_seconds": delay})
        await self._record(
            lambda: self._store.reschedule(
                delivery["_id"],
                claim=claim,
                at=now + timedelta(seconds=delay),
                error=error,
                now=now,
            ),
            what="rescheduling an email",
        )


def _span_facts(delivery: Document) -> dict[str, str | int]:
    # Never the address nor the content: the record's id, the template, the attempt.
    return {
        "email.delivery_id": str(delivery["_id"]),
        "email.template": str(delivery["template"]),
        "email.attempt": int(delivery.get("attempts", 1)),
    }


async def purge_forever(store: NotifierStore, poll_seconds: float) -> None:
    """Purge the log lines past their retention (``NOTIFIER_LOG_RETENTION_DAYS``)."""

    async def purge() -> None:
        purged = await store.purge_finished(_now())
        if purged:
            log.info("delivery log purged", extra={"purged": purged})

    await every(poll_seconds, purge, what="delivery log purge")
