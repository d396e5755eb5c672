"""From an :class:`OutgoingEmail` to the bytes an SMTP server receives.

Jinja2 renders a plain-text and an HTML part per email (``<template>.txt.j2`` defines
the subject with ``{% set subject %}``; ``<template>.html.j2`` extends the shared
layout, autoescaped so that what users typed cannot become markup). The invitation,
when there is one, goes both as a ``text/calendar`` alternative (what calendar clients
act on) and as an ``invitation.ics`` attachment (what people can open). The bytes are
DKIM-signed here, as they are serialised, when a key is configured (``dkim.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from typing import Any

import jinja2

from services.notifier.dkim import DkimSigner
from services.notifier.domain import OutgoingEmail, RenderedEmail, invitation_ics
from services.notifier.domain.calendar import Method
from services.notifier.domain.choices import declinable_kind, why_always_sent
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.french import datetime_fr, day_fr, duration_fr, time_fr

PROGRAMME = "Proch'Orientation"
# « Mes notifications », where a person chooses the emails they may decline.
SETTINGS_PAGE = "/mon-profil/notifications"
# The classic MIME classes: building a message with them costs a third of what the
# newer EmailMessage API spends re-parsing every header (measured: 1.6 ms against
# 3.6 ms an email). Lines end with CRLF as on the wire.
# The attachment is named for what it does in the recipient's calendar.
ATTACHMENT_NAMES: dict[Method, str] = {"REQUEST": "invitation.ics", "CANCEL": "annulation.ics"}
POLICY = compat32.clone(linesep="\r\n")
# Quoted-printable for text that is not ASCII: readable, and any SMTP server takes
# it, even one without 8BITMIME.
UTF8_QP = charset.Charset("utf-8")
UTF8_QP.body_encoding = charset.QP


@dataclass(frozen=True)
class Recipient:
    """Where an email goes, once the recipient is resolved."""

    address: str
    first_name: str | None = None


def environment() -> jinja2.Environment:
    """The templates of the notifier, with the French formatting filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("services.notifier", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        datetime_fr=datetime_fr, day_fr=day_fr, time_fr=time_fr, duration_fr=duration_fr
    )
    return env


def _angle(message_id: str) -> str:
    bare = message_id.strip().strip("<>")
    return f"<{bare}>"


class Renderer:
    """Renders the notifier's emails for one platform (its URL and sender address)."""

    def __init__(
        self,
        *,
        public_url: str,
        mail_from: str,
        signer: DkimSigner | None = None,
        bounce_address: str | None = None,
        links: UnsubscribeLinks | None = None,
    ) -> None:
        self._env = environment()
        self._signer = signer
        self._links = links
        self.public_url = public_url.rstrip("/")
        name, address = parseaddr(mail_from)
        if not address:
            raise ValueError("MAIL_FROM has no address")
        self.from_name = name or PROGRAMME
        self.from_address = address
        # The envelope sender (Return-Path): where mail servers send their bounces.
        self.bounce_address = bounce_address or address
        self._msgid_domain = address.rpartition("@")[2] or "prochorientation.localhost"

    def unsubscribe_url(self, outgoing: OutgoingEmail) -> str | None:
        """The one-click link of an email its recipient may decline, else ``None``."""
        kind = declinable_kind(outgoing.template)
        if kind is None or self._links is None or outgoing.user_id is None:
            return None
        return self._links.url(outgoing.user_id, kind.code)

    def texts(self, outgoing: OutgoingEmail, recipient: Recipient) -> tuple[str, str, str]:
        """Subject, plain text and HTML of ``outgoing`` for ``recipient``."""
        kind = declinable_kind(outgoing.template)
        context: dict[str, Any] = {
            "programme": PROGRAMME,
            "public_url": self.public_url,
            "first_name": recipient.first_name or outgoing.first_name,
            "relayed": outgoing.relay is not None,
            "invitation": outgoing.calendar.method if outgoing.calendar else None,
            # The footer: a link to « Mes notifications » for what may be declined,
            # else why this email comes anyway.
            "settings_url": f"{self.public_url}{SETTINGS_PAGE}" if kind else None,
            "unsubscribe_url": self.unsubscribe_url(outgoing),
            "why_sent": None if kind else why_always_sent(outgoing.template),
            **outgoing.context,
        }
        text_module = self._env.get_template(f"{outgoing.template}.txt.j2").make_module(context)
        subject = " ".join(str(getattr(text_module, "subject", "")).split())
        if not subject:
            raise ValueError(f"template {outgoing.template} sets no subject")
        html = self._env.get_template(f"{outgoing.template}.html.j2").render(
            {**context, "subject": subject}
        )
        return subject, str(text_module).strip() + "\n", html

    def render(
        self, outgoing: OutgoingEmail, recipient: Recipient, *, now: datetime
    ) -> RenderedEmail:
        """The full MIME message of ``outgoing`` for ``recipient``."""
        subject, text, html = self.texts(outgoing, recipient)
        parts: list[Message] = [_text(text, "plain"), _text(html, "html")]
        ics = None
        if outgoing.calendar is not None:
            ics = invitation_ics(
                outgoing.calendar,
                organizer_name=self.from_name,
                organizer_address=self.from_address,
                attendee_name=recipient.first_name,
                attendee_address=recipient.address,
                stamp=now,
            )
            calendar = _text(ics.decode(), "calendar")
            calendar.set_param("method", outgoing.calendar.method)
            parts.append(calendar)
        message: Message = MIMEMultipart("alternative", _subparts=parts, policy=POLICY)
        if ics is not None and outgoing.calendar is not None:
            attachment = MIMEApplication(ics, "ics", policy=POLICY)
            name = ATTACHMENT_NAMES[outgoing.calendar.method]
            attachment.add_header("Content-Disposition", "attachment", filename=name)
            message = MIMEMultipart("mixed", _subparts=[message, attachment], policy=POLICY)
        relay = outgoing.relay
        if relay is not None:
            # The masked alias is the only identity of the other party that travels.
            masked = _mailbox(f"{relay.sender_display} via {PROGRAMME}", relay.reply_to)
            message["From"] = masked
            message["Reply-To"] = masked
            message_id = _angle(relay.message_id)
        else:
            message["From"] = _mailbox(self.from_name, self.from_address)
            message_id = make_msgid(domain=self._msgid_domain)
            # Tells mail systems not to answer with holiday replies.
            message["Auto-Submitted"] = "auto-generated"
        message["To"] = _mailbox(recipient.first_name or "", recipient.address)
        encoding = "us-ascii" if subject.isascii() else "utf-8"
        message["Subject"] = Header(subject, encoding, header_name="Subject").encode()
        message["Date"] = format_datetime(now)
        message["Message-ID"] = message_id
        if relay is not None:
            if relay.in_reply_to:
                message["In-Reply-To"] = _angle(relay.in_reply_to)
            if relay.references:
                message["References"] = " ".join(_angle(ref) for ref in relay.references)
        message["Content-Language"] = "fr"
        unsubscribe_url = self.unsubscribe_url(outgoing)
        if unsubscribe_url is not None:
            # RFC 8058: mail programs offer « se désabonner », which POSTs
            # "List-Unsubscribe=One-Click" to the link without opening it.
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mime = message.as_bytes(policy=POLICY)
        if self._signer is not None:
            mime = self._signer.sign(mime)
        return RenderedEmail(
            template=outgoing.template,
            recipient=recipient.address,
            envelope_from=self.bounce_address,
            subject=subject,
            message_id=message_id,
            mime=mime,
        )


def _text(content: str, subtype: str) -> MIMEText:
    return MIMEText(content, subtype, _charset=UTF8_QP, policy=POLICY)  # type: ignore[arg-type]


def _mailbox(display_name: str, address: str) -> str:
    # RFC 2047 encoding of the name when it is not plain ASCII.
    return formataddr((display_name, address), charset="utf-8")
