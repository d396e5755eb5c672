"""The delivery worker: sends due records in batches, one SMTP connection per batch.

Several workers (in several replicas) share the work through the store's claims.
A worker wakes when a handler queues a record (in-process) and polls anyway, for
retries coming due and for records a crashed replica left under an expired lease.
A worker asked to stop finishes the message in hand, records what it sent and hands
back the rest, so a restart resumes without sending anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from services.notifier.sender import SendResult, SmtpSender
from services.notifier.settings import NotifierSettings
from services.notifier.store import NotifierStore, Status
from shared.mongo import Document

log = logging.getLogger("services.notifier.worker")


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
    ) -> None:
        self._store = store
        self._sender = sender
        self._config = config
        self._clock = clock
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Something was queued: look at once instead of at the next poll."""
        self._wake.set()

    async def run(self, after_pass: Callable[[], Awaitable[object]] | None = None) -> None:
        """Deliver until cancelled; ``after_pass`` runs after each pass (erasures)."""
        config = self._config
        while True:
            self._wake.clear()
            try:
                # A full batch means more may be due: go on until one is not full.
                while await self._shielded_batch() >= config.batch_size:
                    pass
                if after_pass is not None:
                    await after_pass()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database may be away for a moment: try again at the next poll.
                log.exception("delivery pass failed")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=config.poll_seconds)
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
        config = self._config
        claim = secrets.token_hex(8)
        lease = timedelta(seconds=config.lease_seconds)
        batch = await self._store.claim_batch(
            now=self._clock(), size=config.batch_size, lease=lease, claim=claim
        )
        if not batch:
            return 0
        sent: list[str] = []
        tried = 0
        lease_renewed = self._clock()
        try:
            async with self._sender.session() as connection:
                for delivery in batch:
                    if self._stopping:
                        break
                    if self._clock() - lease_renewed > lease / 3:
                        lease_renewed = self._clock()
                        await self._store.renew_lease(claim, lease_renewed + lease)
                    result = await connection.send(
                        delivery["envelope_from"], delivery["recipient"], bytes(delivery["message"])
                    )
                    tried += 1
                    if result.accepted:
                        sent.append(delivery["_id"])
                    else:
                        await self._failed(delivery, result, claim)
        finally:
            now = self._clock()
            await self._store.mark_sent(sent, claim=claim, now=now, purge_at=self._purge_at(now))
            untried = [delivery["_id"] for delivery in batch[tried:]]
            await self._store.release(untried, claim=claim, now=now)
        if sent:
            log.info("emails sent", extra={"sent": len(sent), "batch": len(batch)})
        return len(batch)

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
        if not result.outcome.temporary:
            log.warning("email refused for good", extra=facts)
            await self._store.finish(
                delivery["_id"],
                claim=claim,
                status=Status.FAILED,
                error=error,
                now=now,
                purge_at=self._purge_at(now),
            )
            return
        age = now - delivery["queued_at"]
        if attempts >= config.max_attempts or age.total_seconds() >= config.max_age_seconds:
            log.error("email given up after repeated temporary failures", extra=facts)
            await self._store.finish(
                delivery["_id"],
                claim=claim,
                status=Status.DEAD,
                error=error,
                now=now,
                purge_at=self._purge_at(now),
            )
            return
        delay = config.retry_delay(attempts)
        log.info("email will be retried", extra={**facts, "retry_in_seconds": delay})
        await self._store.reschedule(
            delivery["_id"], claim=claim, at=now + timedelta(seconds=delay), error=error, now=now
        )


async def purge_forever(store: NotifierStore, poll_seconds: float) -> None:
    """Purge the log lines past their retention (``NOTIFIER_LOG_RETENTION_DAYS``)."""
    while True:
        try:
            purged = await store.purge_finished(_now())
            if purged:
                log.info("delivery log purged", extra={"purged": purged})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("delivery log purge failed; trying again at the next poll")
        await asyncio.sleep(poll_seconds)
