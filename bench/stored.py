"""Pieces of the documents benchmarks write straight into a service's database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any


def in_person_slot(starts: datetime, duration_minutes: int) -> dict[str, Any]:
    """An in-person intervention's time fields, as agenda stores them (its end included)."""
    return {
        "format": "in_person",
        "online_url": None,
        "starts_at": starts,
        "duration_minutes": duration_minutes,
        "ends_at": starts + timedelta(minutes=duration_minutes),
    }
