"""Reading a delivery status notification (RFC 3464) with the ``email`` package.

A DSN is a ``multipart/report; report-type=delivery-status`` whose second part
(``message/delivery-status``) holds one block of fields per recipient: ``Action``,
``Status`` (``5.x.x`` permanent, ``4.x.x`` temporary) and ``Final-Recipient``. The third
part returns the original message or its headers: its ``Message-ID`` ties the bounce
to an email the platform really sent, so a forged DSN cannot mark anyone's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser

_PARSER = BytesParser(policy=policy.default)
DIAGNOSTIC_LIMIT = 200


@dataclass(frozen=True)
class Bounce:
    """One recipient's outcome in a DSN."""

    recipient: str
    status: str
    action: str
    diagnostic: str
    # The Message-ID of the email that bounced, from the returned headers.
    message_id: str | None

    @property
    def hard(self) -> bool:
        """A permanent failure (5.x.x): the address will not take mail."""
        return self.action == "failed" and self.status.startswith("5")


def _address(field: str | None) -> str:
    # "rfc822; someone@example.org"
    if not field:
        return ""
    _, _, address = field.partition(";")
    return (address or field).strip().strip("<>").lower()


def _returned_message_id(report: EmailMessage) -> str | None:
    for part in report.iter_parts():
        content_type = part.get_content_type()
        if content_type == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
            headers = HeaderParser().parsestr(text, headersonly=True)
            return _message_id(headers)
        if content_type == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return _message_id(inner[0])
    return None


def _message_id(headers: Message) -> str | None:
    value = headers.get("Message-ID")
    return str(value).strip() if value else None


def read_dsn(raw: bytes) -> list[Bounce]:
    """The recipients a DSN reports on; empty for anything that is not a DSN."""
    report = _PARSER.parsebytes(raw)
    if report.get_content_type() != "multipart/report":
        return []
    if str(report.get_param("report-type", "")).lower() != "delivery-status":
        return []
    message_id = _returned_message_id(report)
    bounces: list[Bounce] = []
    for part in report.iter_parts():
        if part.get_content_type() != "message/delivery-status":
            continue
        # The email package reads each block of fields as a small message: the first
        # one is about the reporting server, the next ones one per recipient.
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            if not isinstance(block, Message):
                continue
            recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
            if not recipient:
                continue
            bounces.append(
                Bounce(
                    recipient=recipient,
                    status=str(block.get("Status", "")).strip(),
                    action=str(block.get("Action", "")).strip().lower(),
                    diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split())[
                        :DIAGNOSTIC_LIMIT
                    ],
                    message_id=message_id,
                )
            )
    return bounces
