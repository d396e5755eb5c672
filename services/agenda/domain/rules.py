"""The programme's rules about solicitations and appointments: pure functions, no I/O.

Each check answers with the error to give (from ``services.agenda.errors``) or None,
so the HTTP layer turns a broken rule into a clear 422 or 409 and nothing changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.agenda import errors
from services.agenda.domain.model import (
    STATUS_LABELS,
    AmbassadorCopy,
    Appointment,
    Side,
    Slot,
    Status,
)
from services.agenda.domain.territory import Area, Place, covers
from shared.french import PARIS
from shared.http import ErrorKind

CLASS_PRESENTATION_MAX_MINUTES = 45
LATE_CANCELLATION = timedelta(hours=48)
MAX_ALTERNATIVE_SLOTS = 3

# What each status may become (API.md): anything else is refused and changes nothing.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    "pending": frozenset({"accepted", "refused", "cancelled", "expired"}),
    "accepted": frozenset({"completed", "cancelled"}),
    "refused": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
    "completed": frozenset(),
}

# accounts' reasons (``not_solicitable_reason``) and the answer each one gives. A
# rejected criminal record is not told to schools, nor a restriction of processing
# the person asked for (RGPD article 18): they get the neutral refusal.
_NOT_SOLICITABLE: dict[str, ErrorKind] = {
    "suspended": errors.AMBASSADOR_SUSPENDED,
    "record_not_verified": errors.AMBASSADOR_NOT_VERIFIED,
    "not_active": errors.AMBASSADOR_NOT_ACTIVE,
    "deleted": errors.AMBASSADOR_DELETED,
    "restriction": errors.AMBASSADOR_UNAVAILABLE,
}


def can_become(current: Status, new: Status) -> bool:
    """Whether the status machine allows ``current`` → ``new``."""
    return new in TRANSITIONS[current]


def status_conflict(kind: ErrorKind, status: Status) -> Exception:
    """The 409 for an action the appointment's status does not allow, naming the status."""
    return kind.error(f"{kind.message} (statut : {STATUS_LABELS[status]})", status=status)


def slot_refusal(kind: str, slot: Slot, now: datetime) -> ErrorKind | None:
    """What is wrong with a slot whoever the ambassador is."""
    if slot.starts_at <= now:
        return errors.START_IN_PAST
    if kind == "class_presentation" and slot.duration_minutes > CLASS_PRESENTATION_MAX_MINUTES:
        return errors.CLASS_PRESENTATION_TOO_LONG
    return None


def ambassador_refusal(ambassador: AmbassadorCopy | None) -> ErrorKind | None:
    """Why this ambassador cannot be solicited at all right now, if they cannot."""
    if ambassador is None:
        return errors.AMBASSADOR_NOT_FOUND
    if ambassador.deleted:
        return errors.AMBASSADOR_DELETED
    if not ambassador.solicitable:
        return _NOT_SOLICITABLE.get(
            ambassador.not_solicitable_reason or "", errors.AMBASSADOR_UNAVAILABLE
        )
    return None


def is_paused(ambassador: AmbassadorCopy, slot: Slot, now: datetime) -> bool:
    """Whether the slot falls in the ambassador's pause, or the pause is under way.

    A pause means "do not solicit me": neither for a date inside it, nor while it lasts.
    """
    start, end = ambassador.pause_from, ambassador.pause_to
    if start is None:
        return False
    if end is None:
        return slot.ends_at > start  # an open-ended pause
    return overlaps(slot.starts_at, slot.ends_at, start, end) or start <= now < end


def solicitation_refusal(
    ambassador: AmbassadorCopy | None,
    *,
    kind: str,
    slot: Slot,
    place: Place,
    now: datetime,
    held_that_month: int,
) -> ErrorKind | None:
    """The first rule a new solicitation breaks, or None when it may be sent.

    ``held_that_month`` counts the ambassador's solicitations pending, accepted or done
    in the (Europe/Paris) month of the slot.
    """
    refusal = slot_refusal(kind, slot, now) or ambassador_refusal(ambassador)
    if refusal is not None or ambassador is None:
        return refusal
    if kind not in ambassador.interventions:
        return errors.KIND_NOT_ACCEPTED
    zone = Area.of(ambassador.zone_departments, ambassador.zone_bassins)
    if not covers(zone, place):
        return errors.OUTSIDE_ZONE
    if is_paused(ambassador, slot, now):
        return errors.AMBASSADOR_PAUSED
    maximum = ambassador.max_solicitations_per_month
    if maximum is not None and held_that_month >= maximum:
        return errors.MONTHLY_MAXIMUM_REACHED
    return None


def month_of(moment: datetime) -> tuple[datetime, datetime]:
    """Start and end (exclusive) of the Europe/Paris month containing ``moment``."""
    local = moment.astimezone(PARIS)
    first = datetime(local.year, local.month, 1, tzinfo=PARIS)
    following = (
        datetime(local.year + 1, 1, 1, tzinfo=PARIS)
        if local.month == 12
        else datetime(local.year, local.month + 1, 1, tzinfo=PARIS)
    )
    return first, following


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether two periods share some time (touching ends do not overlap)."""
    return start < other_end and other_start < end


def is_late_cancellation(appointment: Appointment, now: datetime) -> bool:
    """A cancellation under 48 hours before the start is recorded as late."""
    return appointment.starts_at - now < LATE_CANCELLATION


def cancellation_refusal(appointment: Appointment, now: datetime) -> Exception | None:
    """Why this appointment cannot be cancelled now, if it cannot."""
    if not can_become(appointment.status, "cancelled"):
        return status_conflict(errors.NOT_CANCELLABLE, appointment.status)
    if appointment.starts_at <= now:
        return errors.ALREADY_STARTED.error()
    return None


def feedback_refusal(appointment: Appointment, side: Side, now: datetime) -> Exception | None:
    """Why ``side`` cannot give feedback now, if it cannot."""
    if appointment.status not in ("accepted", "completed"):
        return status_conflict(errors.NOT_HELD, appointment.status)
    if appointment.ends_at > now:
        return errors.NOT_FINISHED.error()
    if side in appointment.feedback:
        return errors.FEEDBACK_ALREADY_GIVEN.error()
    return None
