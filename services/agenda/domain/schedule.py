"""What the scheduler does to an appointment, and when: pure functions, no I/O.

A pending solicitation is reminded ``REMINDER_AFTER_SECONDS`` after its creation,
escalated to the zone's referents ``ESCALATE_AFTER_SECONDS`` after it, and expires
when its start passes unanswered. An accepted appointment is completed at its end.
Each appointment stores ``due_at``, the time of its next step: the scheduler claims
appointments whose ``due_at`` has passed, one replica each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.agenda.domain.model import Appointment

Step = Literal["remind", "escalate", "expire", "complete"]
# When two steps fall due at the same time, the reminder goes before the escalation.
_ORDER: tuple[Step, ...] = ("remind", "escalate", "expire", "complete")


@dataclass(frozen=True)
class Delays:
    """The programme's delays (settings ``REMINDER_AFTER_SECONDS``…)."""

    remind_after: timedelta
    escalate_after: timedelta


def _pending_steps(appointment: Appointment, delays: Delays) -> list[tuple[datetime, Step]]:
    steps: list[tuple[datetime, Step]] = []
    if appointment.reminded_at is None:
        steps.append((appointment.created_at + delays.remind_after, "remind"))
    if appointment.escalated_at is None:
        steps.append((appointment.created_at + delays.escalate_after, "escalate"))
    steps.append((appointment.starts_at, "expire"))
    return steps


def _steps(appointment: Appointment, delays: Delays) -> list[tuple[datetime, Step]]:
    if appointment.status == "pending":
        return _pending_steps(appointment, delays)
    if appointment.status == "accepted":
        return [(appointment.ends_at, "complete")]
    return []


def next_due(appointment: Appointment, delays: Delays) -> datetime | None:
    """When the scheduler has something to do with ``appointment`` next (None: never)."""
    steps = _steps(appointment, delays)
    return min(at for at, _ in steps) if steps else None


def due_step(appointment: Appointment, delays: Delays, now: datetime) -> Step | None:
    """The step to take now, if any.

    Once the start has passed, a pending solicitation only expires: a reminder or an
    escalation would be pointless. Otherwise the earliest due step goes first; the
    next one follows at once if it is due too (after downtime, say).
    """
    steps = [(at, step) for at, step in _steps(appointment, delays) if at <= now]
    if not steps:
        return None
    if any(step == "expire" for _, step in steps):
        return "expire"
    return min(steps, key=lambda due: (due[0], _ORDER.index(due[1])))[1]
