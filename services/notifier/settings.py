"""Settings of the notifier alone (``NOTIFIER_*`` environment variables).

They tune delivery, not the platform's contract, so they stay out of the shared
``Settings``; tests shorten the delays to keep retries fast.
"""

from __future__ import annotations

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.settings import Delays


class NotifierSettings(BaseSettings):
    """How the delivery worker retries, batches and leases its work."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", case_sensitive=False, extra="ignore")

    # Delay (seconds) before attempt n+1 after a temporary failure of attempt n; the
    # last delay repeats until ``max_attempts`` or ``max_age_seconds`` is reached.
    retry_delays: Delays = Field(
        default_factory=lambda: [30.0, 60.0, 300.0, 900.0, 1_800.0, 3_600.0]
    )
    max_attempts: int = Field(12, gt=0)
    # A message still undelivered this long after it was queued is given up (dead).
    max_age_seconds: float = Field(2 * 86_400, gt=0)
    # Emails sent over one SMTP connection per batch.
    batch_size: int = Field(50, gt=0)
    # Batches sent at the same time by one process, each on its own connection: while
    # one waits for the server's answer another sends.
    senders: int = Field(2, gt=0)
    # After being woken, wait this long for more records so a burst fills batches.
    batch_linger_seconds: float = Field(0.05, ge=0)
    # Some relays accept one message per connection: then open one for each email.
    smtp_connection_per_email: bool = False
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    # While no email went out this long, ``/health`` checks that the SMTP server
    # still greets us (and, when it did not, whether it is back).
    smtp_probe_seconds: float = Field(30.0, gt=0)
    # How long a claim lasts without renewal. A live worker's heartbeat renews the
    # leases of what it holds three times per lease, so a slow send keeps its claim;
    # a worker that dies leaves its records to others once the lease ends (plus at
    # most one poll).
    lease_seconds: float = Field(15.0, gt=0)
    # Besides being woken in-process, the worker looks for due work this often
    # (retries coming due, work left by a crashed replica).
    poll_seconds: float = Field(5.0, gt=0)
    # The delivery log (without any message body) is kept this long after the end
    # (decimal days: tests shorten it), then purged by a worker polling this often.
    log_retention_days: float = Field(180, gt=0)
    log_purge_poll_seconds: float = Field(3_600.0, gt=0)
    # The envelope sender (Return-Path) of every email: mail servers report failures
    # to it. Unset: "bounces@" the domain of MAIL_FROM (aligned for SPF and DMARC).
    bounce_address: str | None = None
    # Where the notifier listens for those reports (the MX of the bounce address's
    # domain leads here). Unset: not listening (tests and the embedded default).
    bounce_smtp_port: int | None = Field(None, ge=0)
    bounce_smtp_host: str = "127.0.0.1"
    bounce_max_bytes: int = Field(1_048_576, gt=0)

    @model_validator(mode="after")
    def _delays_given(self) -> NotifierSettings:
        if not self.retry_delays or any(delay < 0 for delay in self.retry_delays):
            raise ValueError("NOTIFIER_RETRY_DELAYS needs at least one non-negative delay")
        return self

    def bounce_address_for(self, mail_from_address: str) -> str:
        """The envelope sender to use when the emails come from ``mail_from_address``."""
        domain = mail_from_address.rpartition("@")[2] or "prochorientation.localhost"
        return self.bounce_address or f"bounces@{domain}"

    def retry_delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th attempt failed for a temporary reason."""
        return self.retry_delays[min(attempts, len(self.retry_delays)) - 1]
