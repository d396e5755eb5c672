"""Settings of messaging alone (``MESSAGING_*`` environment variables).

The public contract's variables (``RELAY_DOMAIN``, ``RELAY_SMTP_PORT``…) are in the
shared ``Settings``; these tune abuse limits and the inbound endpoint.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class MessagingSettings(BaseSettings):
    """Abuse limits, inbound SMTP and when a finished conversation closes."""

    model_config = SettingsConfigDict(env_prefix="MESSAGING_", case_sensitive=False, extra="ignore")

    # A participant posts at most this many messages per rolling minute (API and email).
    messages_per_minute: int = Field(10, gt=0)
    # Inbound mails larger than this are refused during the SMTP dialogue (552).
    inbound_max_bytes: int = Field(10 * 1024 * 1024, gt=0)
    # Interface the inbound SMTP endpoint listens on; unset: HTTP_HOST.
    smtp_host: str | None = None
    # An idle SMTP client is disconnected after this long.
    smtp_timeout_seconds: float = Field(300.0, gt=0)
    # At shutdown, mails being processed get this long to finish before connections close.
    smtp_shutdown_grace_seconds: float = Field(5.0, ge=0)
    # The authserv-id of the operator's mail server in front of the relay (RFC 8601),
    # e.g. "mx.prochorientation.fr". When set, a reply is posted only if that server's
    # ``Authentication-Results`` say it passed DMARC (or, with no DMARC result, SPF or
    # DKIM); others are held and the participant is told. ``Authentication-Results``
    # of any other server are ignored (a sender can write them). Unset: not checked.
    trusted_authserv_id: str | None = None
    # Recipients one inbound mail may have (each is an alias; a person replies to one).
    inbound_max_recipients: int = Field(5, gt=0)
    # Once its appointment is over (done, refused, cancelled or expired) a conversation
    # stays open this long, then closes: its aliases are refused from then on.
    close_after_seconds: int = Field(30 * 86_400, ge=0)
    # A conversation over (closed) for this long is deleted with its messages and
    # aliases (retention; decimal days: tests shorten it); the worker looks this often.
    purge_after_days: float = Field(365, gt=0)
    purge_poll_seconds: float = Field(3_600.0, gt=0)
    # Readers waiting for new messages (``wait``) learn of a message written by another
    # replica within this long (one written by the same process wakes them at once).
    wait_recheck_seconds: float = Field(1.0, gt=0)

    @field_validator("trusted_authserv_id")
    @classmethod
    def _blank_is_unset(cls, value: str | None) -> str | None:
        # Compose passes an empty variable when the operator sets none.
        return value.strip() or None if value is not None else None
