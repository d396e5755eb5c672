"""An ambassador's pause as people type it (first and last day) and as accounts keeps it.

Accounts keeps a pause as two moments, the end excluded; people think in days, the
last one included. Days are those of Europe/Paris.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.web.domain.forms import paris_midnight
from shared.french import PARIS


def pause_moments(first: date, last: date) -> tuple[str, str]:
    """The API's ``pause_from`` and ``pause_to`` of a pause from ``first`` to ``last``."""
    return paris_midnight(first).isoformat(), paris_midnight(last + timedelta(days=1)).isoformat()


def pause_days(availability: dict[str, Any]) -> tuple[date, date] | None:
    """The first and last day of the pause kept by accounts, if there is one."""
    start, end = availability.get("pause_from"), availability.get("pause_to")
    if not start or not end:
        return None
    first = datetime.fromisoformat(start).astimezone(PARIS).date()
    last = (datetime.fromisoformat(end).astimezone(PARIS) - timedelta(days=1)).date()
    return first, last
