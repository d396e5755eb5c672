"""The notifier's own Prometheus metrics: deliveries by outcome, backlog, SMTP latency."""

from __future__ import annotations

from services.notifier.sender import SmtpOutcome
from services.notifier.store import PENDING, NotifierStore
from shared.metrics import ScrapeHook, ServiceMetrics

OWN = ServiceMetrics("notifier")

DELIVERIES = OWN.counter(
    "deliveries",
    "Attempts to hand an email to the SMTP server, by outcome (smtp_accepted, "
    "smtp_temporary_rejection, smtp_recipient_refused…).",
    ["outcome"],
)
SMTP_SECONDS = OWN.histogram(
    "smtp_seconds",
    "Time the SMTP server took to take (or refuse) one email, connecting included.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
BACKLOG = OWN.gauge(
    "backlog",
    "Emails not yet sent, by status (queued: waiting for an attempt; sending: claimed "
    "by a worker), read at scrape time.",
    ["status"],
)


def delivery_attempted(outcome: SmtpOutcome, seconds: float) -> None:
    """Count one attempt and how long the server took."""
    DELIVERIES.labels(outcome.value).inc()
    SMTP_SECONDS.labels().observe(seconds)


def backlog_hook(store: NotifierStore) -> ScrapeHook:
    """Reads the backlog from the delivery log when Prometheus scrapes."""

    async def read_backlog() -> None:
        counts = await store.pending_counts()
        for status in PENDING:
            BACKLOG.labels(status.value).set(counts.get(status, 0))

    return read_backlog
