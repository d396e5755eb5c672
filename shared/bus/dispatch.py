"""Rules both buses share, so memory and RabbitMQ behave the same way.

How a received body becomes a :class:`~shared.bus.base.Delivery` (or is declared
unreadable), which attempt a delivery is, what follows a handler failure, and the
text kept for the operator; :func:`deliver` applies them to one received body, with
the same logs and metrics on both buses, and leaves the broker's part (parking,
retrying, acknowledging) to the bus.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.bus.base import Delivery, Subscription
from shared.events import Envelope, UnexpectedEventError
from shared.metrics import event_consumed, event_parked, event_retried
from shared.tracing import consuming

log = logging.getLogger("shared.bus")

# Header names carried by retried and parked copies (RabbitMQ) and kept on parked
# messages in memory, so an operator reads the same thing from both buses.
ATTEMPT_HEADER = "x-attempt"
LAST_ERROR_HEADER = "x-last-error"
PARKED_REASON_HEADER = "x-parked-reason"
PARKED_AT_HEADER = "x-parked-at"
PARKED_FROM_HEADER = "x-parked-from"

# Error texts go into headers and log lines: keep them bounded.
_MAX_TEXT = 500


@dataclass(frozen=True)
class Unreadable:
    """A body that cannot be delivered: why, and the envelope when it parsed."""

    reason: str
    envelope: Envelope | None = None


def read_delivery(
    body: bytes,
    subscription: Subscription,
    *,
    attempt: int,
    redelivered: bool,
) -> Delivery | Unreadable:
    """Parse ``body`` into a delivery for ``subscription``, or say why it cannot be read.

    The envelope must parse, its type and version must be those of the
    subscription's contract and its data must match the contract's model. The reason
    never quotes the body (events may carry secret links), only where and how it is
    wrong.
    """
    try:
        envelope = Envelope.from_bytes(body)
    except ValidationError as exc:
        return Unreadable(f"not an event envelope: {validation_summary(exc)}")
    try:
        event = subscription.open(envelope)
    except UnexpectedEventError as exc:
        return Unreadable(f"unknown event type {exc}", envelope)
    except ValidationError as exc:
        return Unreadable(f"data does not match the model: {validation_summary(exc)}", envelope)
    return Delivery(envelope=envelope, event=event, attempt=attempt, redelivered=redelivered)


def validation_summary(exc: ValidationError) -> str:
    """Where and how data is invalid, without the input values (they may be secret)."""
    parts = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        location = ".".join(str(part) for part in error["loc"]) or "(root)"
        parts.append(f"{location}: {error['type']}")
    return bounded("; ".join(parts))


def attempt_from_headers(headers: Mapping[str, Any] | None) -> int:
    """The attempt number a delivery carries (1 when absent or unreadable)."""
    if not headers:
        return 1
    value = headers.get(ATTEMPT_HEADER)
    try:
        attempt = int(value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
    return max(attempt, 1)


def next_delay(attempt: int, delays: Sequence[float]) -> float | None:
    """Seconds to wait before the attempt after ``attempt``; ``None`` means park it.

    With ``n`` delays a message gets ``n + 1`` attempts in all.
    """
    if attempt <= len(delays):
        return max(float(delays[attempt - 1]), 0.0)
    return None


def failure_text(exc: BaseException) -> str:
    """Short text of a handler's failure, for a header and the operator."""
    message = str(exc)
    return bounded(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


def retry_headers(next_attempt: int, exc: BaseException) -> dict[str, Any]:
    """Headers of the copy of a failed delivery that is tried again: its attempt number
    and the error of the one before."""
    return {ATTEMPT_HEADER: next_attempt, LAST_ERROR_HEADER: failure_text(exc)}


def parking_headers(attempt: int, reason: str, queue: str, parked_at: datetime) -> dict[str, Any]:
    """Headers of a parked copy: its last attempt, why, when and from which queue."""
    return {
        ATTEMPT_HEADER: attempt,
        PARKED_REASON_HEADER: reason,
        PARKED_AT_HEADER: parked_at.isoformat(),
        PARKED_FROM_HEADER: queue,
    }


def parking_details(headers: Mapping[str, Any]) -> tuple[str | None, datetime | None]:
    """The reason and the time that :func:`parking_headers` wrote (``None`` where a copy
    parked otherwise, by the broker itself, has none)."""
    reason = headers.get(PARKED_REASON_HEADER)
    parked_at = headers.get(PARKED_AT_HEADER)
    return (
        reason if isinstance(reason, str) else None,
        datetime.fromisoformat(parked_at) if isinstance(parked_at, str) else None,
    )


# How the reason of a message parked after its handler's last attempt begins (any other
# parked message could not be read).
HANDLER_FAILED = "handler failed"


def park_reason(attempts: int, exc: BaseException) -> str:
    """Why a message whose handler kept failing was parked."""
    return bounded(f"{HANDLER_FAILED} {attempts} times; last error: {failure_text(exc)}")


def bounded(text: str) -> str:
    """``text`` cut to a size fit for a header or a log line."""
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


# The bus's part when a delivery is not done with: set it aside with a reason, or
# bring it back after a delay (seconds) because of a handler's failure.
Park = Callable[[str], Awaitable[None]]
Retry = Callable[[float, BaseException], Awaitable[None]]


async def deliver(
    body: bytes,
    headers: Mapping[str, Any] | None,
    subscription: Subscription,
    *,
    attempt: int,
    redelivered: bool,
    delays: Sequence[float],
    queue: str,
    system: str,
    park: Park,
    retry: Retry,
) -> bool:
    """Run ``subscription``'s handler on a body received from ``queue``.

    An unreadable body is parked at once; a handler that fails is retried after the
    next of ``delays``, or parked after the last. Each outcome is logged and counted.
    Returns whether the handler succeeded (the bus then acknowledges the message).
    """
    outcome = read_delivery(body, subscription, attempt=attempt, redelivered=redelivered)
    if isinstance(outcome, Unreadable):
        described = outcome.envelope.describe() if outcome.envelope else {}
        log.warning(
            "unreadable message parked",
            extra={**described, "queue": queue, "reason": outcome.reason},
        )
        await park(outcome.reason)
        event_parked(subscription.service, subscription.event_type, unreadable=True)
        return False
    try:
        with consuming(outcome.envelope, headers, queue=queue, system=system):
            await subscription.handler(outcome)
    except Exception as exc:
        described = outcome.envelope.describe()
        delay = next_delay(attempt, delays)
        if delay is None:
            log.error(
                "handler failed, message parked",
                extra={**described, "queue": queue, "attempt": attempt},
                exc_info=exc,
            )
            await park(park_reason(attempt, exc))
            event_parked(subscription.service, subscription.event_type, unreadable=False)
        else:
            log.warning(
                "handler failed, retry scheduled",
                extra={**described, "queue": queue, "attempt": attempt, "delay": delay},
                exc_info=exc,
            )
            await retry(delay, exc)
            event_retried(subscription.service, subscription.event_type)
        return False
    event_consumed(subscription.service, subscription.event_type)
    return True
