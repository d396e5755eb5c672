"""SMTP delivery with aiosmtplib, every outcome a named constant.

Like SimpleLogin's ``app/email/status.py``, each way an attempt can end has a name
(stored in the delivery's ``last_error`` and logged), and the name says whether the
notifier tries again: the SMTP server's 4xx answers and every connection problem are
temporary, its 5xx answers to a message are permanent. Trouble with the connection
itself (refused, TLS, login) is always temporary: it is our configuration or the
server's state, not the message, and the message must not be lost for it.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum

import aiosmtplib

from shared.settings import Settings

log = logging.getLogger("services.notifier.sender")

ERROR_TEXT_LIMIT = 300


class SmtpOutcome(StrEnum):
    """How one attempt to hand a message to the SMTP server ended."""

    ACCEPTED = "smtp_accepted"
    NOT_CONFIGURED = "smtp_not_configured"
    CONNECTION_FAILED = "smtp_connection_failed"
    CONNECTION_TIMEOUT = "smtp_connection_timeout"
    GREETING_REFUSED = "smtp_greeting_refused"
    TLS_FAILED = "smtp_tls_failed"
    AUTH_FAILED = "smtp_auth_failed"
    DISCONNECTED = "smtp_disconnected"
    TIMEOUT = "smtp_timeout"
    TEMPORARY_REJECTION = "smtp_temporary_rejection"  # 4xx to MAIL, RCPT or DATA
    SENDER_REFUSED = "smtp_sender_refused"  # 5xx to MAIL FROM
    RECIPIENT_REFUSED = "smtp_recipient_refused"  # 5xx to RCPT TO
    MESSAGE_REFUSED = "smtp_message_refused"  # 5xx to DATA
    INVALID_ADDRESS = "smtp_invalid_address"  # cannot even be written in an envelope
    UNSUPPORTED = "smtp_unsupported"  # needs an extension the server lacks

    @property
    def temporary(self) -> bool:
        """Whether trying again later may succeed."""
        return self in _TEMPORARY

    @property
    def breaks_connection(self) -> bool:
        """Whether the connection is unusable after it (the batch's rest must wait)."""
        return self in _CONNECTION_WIDE


_CONNECTION_WIDE = frozenset(
    {
        SmtpOutcome.NOT_CONFIGURED,
        SmtpOutcome.CONNECTION_FAILED,
        SmtpOutcome.CONNECTION_TIMEOUT,
        SmtpOutcome.GREETING_REFUSED,
        SmtpOutcome.TLS_FAILED,
        SmtpOutcome.AUTH_FAILED,
        SmtpOutcome.DISCONNECTED,
        # After a timeout nobody knows where the dialogue stands.
        SmtpOutcome.TIMEOUT,
    }
)
_TEMPORARY = _CONNECTION_WIDE | {SmtpOutcome.TEMPORARY_REJECTION}


@dataclass(frozen=True)
class SendResult:
    """The outcome of one message, with the server's code and words when it gave some."""

    outcome: SmtpOutcome
    code: int | None = None
    detail: str = ""

    @property
    def accepted(self) -> bool:
        """The server took responsibility for the message."""
        return self.outcome is SmtpOutcome.ACCEPTED

    def describe(self) -> str:
        """For the delivery log (admins only: the server's words may name the address)."""
        parts = [self.outcome.value]
        if self.code is not None:
            parts.append(str(self.code))
        if self.detail:
            parts.append(" ".join(self.detail.split()))
        return " ".join(parts)[:ERROR_TEXT_LIMIT]


def _answer(code: int, message: str, *, refused: SmtpOutcome) -> SendResult:
    outcome = SmtpOutcome.TEMPORARY_REJECTION if 400 <= code < 500 else refused
    return SendResult(outcome, code, message)


def _connect_failure(error: Exception) -> SendResult:
    if isinstance(error, aiosmtplib.SMTPConnectTimeoutError):
        return SendResult(SmtpOutcome.CONNECTION_TIMEOUT, None, str(error))
    if isinstance(error, aiosmtplib.SMTPConnectResponseError):
        return SendResult(SmtpOutcome.GREETING_REFUSED, error.code, error.message)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return SendResult(SmtpOutcome.AUTH_FAILED, error.code, error.message)
    if isinstance(error, aiosmtplib.SMTPTimeoutError):
        return SendResult(SmtpOutcome.CONNECTION_TIMEOUT, None, str(error))
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return SendResult(SmtpOutcome.DISCONNECTED, None, str(error))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        # EHLO or STARTTLS refused.
        return SendResult(SmtpOutcome.GREETING_REFUSED, error.code, error.message)
    if isinstance(error, aiosmtplib.SMTPNotSupported | ssl.SSLError):
        # STARTTLS asked but not offered, or a TLS handshake that failed.
        return SendResult(SmtpOutcome.TLS_FAILED, None, str(error))
    # Refused, unreachable, unknown host.
    return SendResult(SmtpOutcome.CONNECTION_FAILED, None, str(error))


def _send_failure(error: Exception) -> SendResult:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        refused = error.recipients[0]
        return _answer(refused.code, refused.message, refused=SmtpOutcome.RECIPIENT_REFUSED)
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return _answer(error.code, error.message, refused=SmtpOutcome.SENDER_REFUSED)
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return SendResult(SmtpOutcome.DISCONNECTED, None, str(error))
    if isinstance(error, aiosmtplib.SMTPTimeoutError):
        return SendResult(SmtpOutcome.TIMEOUT, None, str(error))
    if isinstance(error, aiosmtplib.SMTPResponseException):
        if error.code == 421:
            # "Service not available, closing transmission channel".
            return SendResult(SmtpOutcome.DISCONNECTED, error.code, error.message)
        return _answer(error.code, error.message, refused=SmtpOutcome.MESSAGE_REFUSED)
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return SendResult(SmtpOutcome.UNSUPPORTED, None, str(error))
    if isinstance(error, ValueError):
        return SendResult(SmtpOutcome.INVALID_ADDRESS, None, str(error))
    if isinstance(error, OSError):
        return SendResult(SmtpOutcome.DISCONNECTED, None, f"{type(error).__name__}: {error}")
    raise error


class SmtpConnection:
    """One SMTP session used for a batch of messages (or one per message if configured).

    It connects on the first message. Once the connection is broken, every further
    message gets the same outcome without being tried: the worker reschedules them.
    """

    def __init__(self, settings: Settings, *, timeout: float, per_message: bool) -> None:
        self._settings = settings
        self._timeout = timeout
        self._per_message = per_message
        self._client: aiosmtplib.SMTP | None = None
        self._broken: SendResult | None = None

    async def _open(self) -> aiosmtplib.SMTP | SendResult:
        settings = self._settings
        if not settings.smtp_host:
            return SendResult(SmtpOutcome.NOT_CONFIGURED, None, "SMTP_HOST is not set")
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port or (587 if settings.smtp_starttls else 25),
            timeout=self._timeout,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            return _connect_failure(error)
        return client

    async def reach(self) -> SendResult:
        """Connect if not yet connected; ``ACCEPTED`` when the server greeted us."""
        if self._broken is None and self._client is None:
            opened = await self._open()
            if isinstance(opened, SendResult):
                self._broken = opened
            else:
                self._client = opened
        return self._broken or SendResult(SmtpOutcome.ACCEPTED)

    async def send(self, envelope_from: str, recipient: str, mime: bytes) -> SendResult:
        """Hand one message to the server; never raises for an SMTP or network problem."""
        if self._broken is not None:
            return self._broken
        if self._client is None:
            opened = await self._open()
            if isinstance(opened, SendResult):
                self._broken = opened
                return opened
            self._client = opened
        options = [] if recipient.isascii() else ["SMTPUTF8"]
        try:
            await self._client.sendmail(envelope_from, [recipient], mime, mail_options=options)
        except (aiosmtplib.SMTPException, OSError, ValueError) as error:
            result = _send_failure(error)
        else:
            result = SendResult(SmtpOutcome.ACCEPTED)
        if result.outcome.breaks_connection:
            self._broken = result
            await self._drop()
        elif self._per_message:
            await self.close()
        return result

    async def _drop(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            client.close()

    async def close(self) -> None:
        """Say goodbye to the server (QUIT) if still connected."""
        if self._client is not None:
            client, self._client = self._client, None
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await client.quit()
            client.close()


class SmtpSender:
    """Opens SMTP sessions to the configured server (``SMTP_*`` settings)."""

    def __init__(self, settings: Settings, *, timeout: float, per_message: bool = False) -> None:
        self._settings = settings
        self._timeout = timeout
        self._per_message = per_message

    async def probe(self) -> SendResult:
        """Connect and say goodbye: ``ACCEPTED`` when the server greets us (health)."""
        connection = SmtpConnection(self._settings, timeout=self._timeout, per_message=False)
        try:
            return await connection.reach()
        finally:
            await connection.close()

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpConnection]:
        """One connection for a batch, closed at the end."""
        connection = SmtpConnection(
            self._settings, timeout=self._timeout, per_message=self._per_message
        )
        try:
            yield connection
        finally:
            await connection.close()
