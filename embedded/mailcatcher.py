"""The local mail catcher: an SMTP server that keeps every mail in a folder.

Every mail is accepted, whoever it is for, and stored as ``<timestamp>-<id>.eml``. The
envelope is kept the way a mail server delivers it, as ``Return-Path`` and
``Delivered-To`` headers at the top of the file, so the folder alone is enough to
rebuild the index after a restart. :mod:`embedded.mail_web` shows the mails in the
browser.

The SMTP server runs on the caller's event loop rather than in aiosmtpd's
``Controller`` thread: the index then needs no lock, and ``port=0`` works.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from embedded.lifecycle import StartStop
from embedded.mail_message import (
    MailContent,
    header_text,
    header_values,
    parse_headers,
    read_content,
)

log = logging.getLogger(__name__)

_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"
_FILE_NAME = re.compile(r"^(?P<timestamp>\d{8}T\d{6}\.\d{6}Z)-(?P<id>[0-9a-f]{16})\.eml$")
MAIL_ID_PATTERN = "[0-9a-f]{16}"
# Larger than any mail the platform sends (a 5 MB PDF is never mailed), small enough
# that a runaway sender cannot fill the disk with one message.
DATA_SIZE_LIMIT = 32 * 1024 * 1024


@dataclass(frozen=True)
class CaughtMail:
    """One caught mail, as listed: who sent it to whom, when, about what."""

    id: str
    received_at: datetime
    envelope_from: str
    recipients: tuple[str, ...]
    from_header: str
    to_header: str
    subject: str
    path: Path

    def is_for(self, address: str) -> bool:
        """Whether ``address`` received it (envelope, To or Cc), case ignored."""
        wanted = address.strip().lower()
        return wanted in (recipient.lower() for recipient in self.recipients)


class MailCatcher(StartStop):
    """An SMTP server on ``host:port`` keeping every mail it gets in ``folder``.

    Use it as an async context manager. ``port=0`` picks a free port; :attr:`port`
    tells which. Mails already in the folder are listed again after a restart.
    """

    def __init__(self, folder: Path, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.folder = folder
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        self._server: asyncio.Server | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._mails: dict[str, CaughtMail] = {}
        self._arrival = asyncio.Event()

    @property
    def port(self) -> int:
        """The port the SMTP server listens on; only while started."""
        if self._port is None:
            raise RuntimeError("the mail catcher is not started")
        return self._port

    async def start(self) -> None:
        """Load the mails already in the folder and start listening."""
        if self._server is not None:
            raise RuntimeError("the mail catcher is already started")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._mails = await asyncio.to_thread(_load_folder, self.folder)
        # aiosmtpd logs every connection and command at INFO: too chatty next to the
        # platform's own log, unless someone asked for it.
        smtp_log = logging.getLogger("mail.log")
        if smtp_log.level == logging.NOTSET:
            smtp_log.setLevel(logging.WARNING)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._new_session, host=self.host, port=self._requested_port
        )
        self._port = self._server.sockets[0].getsockname()[1]
        log.info(
            "mail catcher listening on %s:%s, %d mail(s) kept in %s",
            self.host,
            self._port,
            len(self._mails),
            self.folder,
        )

    async def stop(self) -> None:
        """Stop listening and close the open SMTP sessions."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        # A client keeping its connection open (a pooled SMTP connection) would
        # otherwise hold the server open.
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await server.wait_closed()
        self._port = None

    def messages(self, to: str | None = None) -> list[CaughtMail]:
        """Caught mails, newest first; only those received by ``to`` when given."""
        mails = sorted(self._mails.values(), key=lambda mail: mail.received_at, reverse=True)
        if to:
            mails = [mail for mail in mails if mail.is_for(to)]
        return mails

    def get(self, mail_id: str) -> CaughtMail | None:
        """The mail with this id, or None."""
        return self._mails.get(mail_id)

    async def read(self, mail: CaughtMail) -> MailContent:
        """The decoded content of ``mail``, read from its file."""
        raw = await self.raw(mail)
        return await asyncio.to_thread(read_content, raw)

    async def raw(self, mail: CaughtMail) -> bytes:
        """The mail's file as stored, envelope headers included."""
        return await asyncio.to_thread(mail.path.read_bytes)

    def delete_all(self) -> int:
        """Forget every mail and delete its file; returns how many were deleted."""
        mails, self._mails = list(self._mails.values()), {}
        for mail in mails:
            mail.path.unlink(missing_ok=True)
        return len(mails)

    async def wait_for_message(
        self,
        *,
        to: str | None = None,
        match: Callable[[CaughtMail], bool] | None = None,
        # Its own timeout rather than the caller's: the error then names what was caught.
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> CaughtMail:
        """The newest mail for ``to`` that ``match`` accepts, waiting for it if needed.

        Raises ``TimeoutError`` after ``timeout`` seconds, naming the mails caught.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    arrival = self._arrival
                    for mail in self.messages(to=to):
                        if match is None or match(mail):
                            return mail
                    await arrival.wait()
        except TimeoutError:
            caught = [f"{mail.recipients} « {mail.subject} »" for mail in self.messages()]
            raise TimeoutError(
                f"Aucun message pour {to or 'quiconque'} en {timeout:g} s ; reçus : {caught}"
            ) from None

    def store(self, envelope_from: str, recipients: list[str], content: bytes) -> CaughtMail:
        """Keep one mail: write its file and add it to the index."""
        received_at = datetime.now(UTC)
        mail_id = secrets.token_hex(8)
        path = self.folder / f"{received_at.strftime(_TIMESTAMP_FORMAT)}-{mail_id}.eml"
        envelope = [f"Return-Path: <{envelope_from}>"]
        envelope.extend(f"Delivered-To: {recipient}" for recipient in recipients)
        path.write_bytes("\r\n".join(envelope).encode() + b"\r\n" + content)
        headers = parse_headers(content)
        mail = _summary(mail_id, received_at, path, headers, envelope_from, recipients)
        self._mails[mail_id] = mail
        # Wake every waiter, then give the next ones a fresh event to wait on.
        self._arrival.set()
        self._arrival = asyncio.Event()
        return mail

    def _new_session(self) -> SMTP:
        session = SMTP(
            _CatchEverything(self),
            data_size_limit=DATA_SIZE_LIMIT,
            enable_SMTPUTF8=True,
            # Skips socket.getfqdn(), which can take seconds without a DNS server.
            hostname="mail-catcher.localhost",
            # Any login works: a developer who set SMTP_USERNAME still gets mail.
            auth_require_tls=False,
            authenticator=_accept_any_login,
        )
        self._sessions.add(session)
        return session


class _CatchEverything:
    def __init__(self, catcher: MailCatcher) -> None:
        self._catcher = catcher

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        content = envelope.original_content or b""
        mail = self._catcher.store(envelope.mail_from or "", list(envelope.rcpt_tos), content)
        log.info("caught mail %s for %s: %s", mail.id, ", ".join(mail.recipients), mail.subject)
        return "250 Message accepted for delivery"


def _accept_any_login(*_: Any) -> AuthResult:
    return AuthResult(success=True)


def _load_folder(folder: Path) -> dict[str, CaughtMail]:
    mails: dict[str, CaughtMail] = {}
    for path in folder.glob("*.eml"):
        match = _FILE_NAME.match(path.name)
        if match is None:
            continue
        try:
            headers = parse_headers(path.read_bytes())
        except OSError as error:
            log.warning("cannot read caught mail %s: %s", path, error)
            continue
        received_at = datetime.strptime(match["timestamp"], _TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        envelope_from = header_text(headers, "Return-Path").strip("<> ")
        recipients = header_values(headers, "Delivered-To")
        mail = _summary(match["id"], received_at, path, headers, envelope_from, recipients)
        mails[mail.id] = mail
    return mails


def _summary(
    mail_id: str,
    received_at: datetime,
    path: Path,
    headers: Message,
    envelope_from: str,
    envelope_recipients: list[str],
) -> CaughtMail:
    # Envelope recipients first (a Bcc shows only there), then To and Cc.
    header_recipients = [header_text(headers, "To"), header_text(headers, "Cc")]
    addresses = [*envelope_recipients, *(a for _, a in getaddresses(header_recipients))]
    return CaughtMail(
        id=mail_id,
        received_at=received_at,
        envelope_from=envelope_from,
        recipients=tuple(dict.fromkeys(a.strip() for a in addresses if a.strip())),
        from_header=header_text(headers, "From"),
        to_header=header_text(headers, "To"),
        subject=header_text(headers, "Subject"),
        path=path,
    )


def mail_web_app(catcher: MailCatcher) -> web.Application:
    """The catcher's pages and JSON API, to mount at ``/dev/mail``: see :mod:`embedded.mail_web`."""
    # Imported here: the pages module imports this one.
    from embedded.mail_web import mail_web_app as pages

    return pages(catcher)
