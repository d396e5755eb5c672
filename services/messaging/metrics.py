"""Messaging's own Prometheus metrics: messages relayed by email, replies received."""

from __future__ import annotations

from services.messaging.domain.model import Source
from services.messaging.inbound import status
from shared.metrics import ServiceMetrics

OWN = ServiceMetrics("messaging")

RELAYED = OWN.counter(
    "relayed",
    "Emails a posted message makes, one per other participant (each becomes a "
    "messaging.message.relayed event), by where the message came from.",
    ["source"],
)
INBOUND = OWN.counter(
    "inbound", "Mails received by the relay's SMTP endpoint, by what became of them.", ["outcome"]
)

# The relay's answer to a mail's DATA, named for the dashboard.
_INBOUND_OUTCOMES = {
    status.POSTED: "posted",
    status.ALREADY_POSTED: "already_posted",
    status.DROPPED: "dropped",
    status.RATE_LIMITED: "rate_limited",
    status.TEMPORARY_FAILURE: "temporary_failure",
}


def message_relayed(source: Source, recipients: int) -> None:
    """Count the emails one committed message makes."""
    RELAYED.labels(source).inc(recipients)


def inbound_answered(answer: str) -> None:
    """Count one mail received, by the relay's answer to it."""
    INBOUND.labels(_INBOUND_OUTCOMES.get(answer, "other")).inc()
