"""Whether the SMTP server can be reached, for the notifier's ``/health``.

Every send tells (accepted, or a connection-wide failure), and a light probe (connect,
greeting, QUIT) runs while the worker has not heard from the server lately, so the
state follows the server when no email is due, and turns ok again soon after the
server is back rather than at the next retry of a queued email.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from services.notifier.sender import SendResult, SmtpSender
from shared.periodic import every


def _now() -> datetime:
    return datetime.now(UTC)


class SmtpHealth:
    """The last success and the current outage of the SMTP server, as seen from here."""

    def __init__(self, *, clock: Callable[[], datetime] = _now) -> None:
        self._clock = clock
        self.last_success_at: datetime | None = None
        self.unreachable_since: datetime | None = None
        self.last_error: str | None = None

    def observe(self, result: SendResult) -> None:
        """What a send or a probe found."""
        now = self._clock()
        if result.accepted:
            self.last_success_at = now
            self.unreachable_since = None
            self.last_error = None
        elif result.outcome.breaks_connection:
            self.unreachable_since = self.unreachable_since or now
            self.last_error = result.outcome.value

    def heard_within(self, seconds: float) -> bool:
        """Whether the server answered well in the last ``seconds``."""
        last = self.last_success_at
        return last is not None and (self._clock() - last).total_seconds() < seconds

    def report(self) -> dict[str, Any]:
        """The ``smtp`` part of ``/health``: ``ok`` false while the server is unreachable."""
        now = self._clock()
        last = self.last_success_at
        return {
            "ok": self.unreachable_since is None,
            "last_success_at": last.isoformat() if last else None,
            "seconds_since_last_success": round((now - last).total_seconds(), 1) if last else None,
            "unreachable_since": (
                self.unreachable_since.isoformat() if self.unreachable_since else None
            ),
            "last_error": self.last_error,
        }


async def probe_forever(sender: SmtpSender, health: SmtpHealth, seconds: float) -> None:
    """Probe the server every ``seconds`` unless a send succeeded meanwhile."""

    async def probe() -> None:
        if health.unreachable_since is not None or not health.heard_within(seconds):
            health.observe(await sender.probe())

    await every(seconds, probe, what="SMTP probe")
