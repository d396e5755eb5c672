"""The criminal-record extract (a PDF, checked by its content) and how long a check lasts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

MAGIC = b"%PDF-"
_VERSION = re.compile(rb"^%PDF-[12]\.\d")
_END = b"%%EOF"
# A PDF has indirect objects (« 1 0 obj ») and a cross-reference (table or stream).
_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_XREF = (b"xref", b"/XRef", b"startxref")


def pdf_problem(content: bytes) -> str | None:
    """Why ``content`` is not a PDF document (French), or None when it looks like one.

    A minimal structural check: the header with a version, at least one object, a
    cross-reference, and the end marker near the end of the file.
    """
    if not content.startswith(MAGIC) or not _VERSION.match(content[:16]):
        return "Le document doit être un fichier PDF."
    if _END not in content[-2048:]:
        return "Le fichier PDF est incomplet ou endommagé."
    if not _OBJECT.search(content) or not any(marker in content for marker in _XREF):
        return "Le fichier PDF est incomplet ou endommagé."
    return None


@dataclass(frozen=True)
class CheckPeriods:
    """How long a verified check lasts, and how early a new extract is asked for."""

    validity: timedelta
    renewal_notice: timedelta

    @classmethod
    def of_days(cls, validity_days: float, notice_days: float) -> CheckPeriods:
        """From the settings, in (decimal) days."""
        return cls(timedelta(days=validity_days), timedelta(days=notice_days))

    def valid_until(self, decided_at: datetime) -> datetime:
        """When a check verified at ``decided_at`` ends."""
        return decided_at + self.validity

    def renewal_due(self, valid_until: datetime, now: datetime) -> bool:
        """Whether the ambassador should now be asked for a new extract."""
        return now >= valid_until - self.renewal_notice


def may_send_extract(record: Mapping[str, Any], periods: CheckPeriods, now: datetime) -> bool:
    """Whether an ambassador may send an extract with their check in this state.

    Always, except while a verified check is valid and not yet near its end: then a
    new extract would only be read for nothing.
    """
    if record.get("status") != "verified":
        return True
    if record.get("renewal_requested_at") is not None:
        return True
    valid_until = record.get("valid_until")
    return valid_until is None or periods.renewal_due(valid_until, now)
