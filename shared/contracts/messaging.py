"""Events messaging publishes."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from shared.contracts.personal_data import ExportPrepared, PersonalDataRead, UserErased
from shared.events import Event


class MessageRelayed(Event):
    """A message to deliver by email to one participant, from a masked address.

    ``reply_to`` is the recipient's own alias in this conversation (a reply to it is
    posted as them); ``sender_display`` is "Prénom N." unless the sender shared their
    contact details. Nothing here carries the sender's real address.
    """

    type: ClassVar[str] = "messaging.message.relayed"

    conversation_id: str
    message_id: str
    recipient_id: str
    sender_display: str
    reply_to: str
    subject: str
    body: str
    mail_message_id: str
    in_reply_to: str | None = None
    references: list[str] = []
    conversation_url: str


class InboundReplyHeld(Event):
    """A reply by email claiming to come from a participant failed the sender checks
    (SPF, DKIM, DMARC) of the operator's mail server: it was not posted, and the real
    participant is told. At most one a day per participant and conversation.

    Nothing of the held mail itself is carried: its subject and text were written by
    whoever sent it, perhaps someone impersonating the participant.
    """

    type: ClassVar[str] = "messaging.inbound_reply.held"

    conversation_id: str
    recipient_id: str
    received_at: datetime
    subject: str
    conversation_url: str


class MessagingExportPrepared(ExportPrepared):
    """Messaging's part of a person's data export."""

    type: ClassVar[str] = "messaging.export.prepared"


class MessagingUserErased(UserErased):
    """Messaging erased or anonymised what it held about a deleted person."""

    type: ClassVar[str] = "messaging.user.erased"


class MessagingPersonalDataRead(PersonalDataRead):
    """Messaging showed a referent the conversations of these people, which the referent
    does not take part in (for accounts' audit log)."""

    type: ClassVar[str] = "messaging.personal_data.read"


# Every event messaging publishes: its AsyncAPI document and the contract test read it.
PUBLISHED: tuple[type[Event], ...] = (
    MessageRelayed,
    InboundReplyHeld,
    MessagingExportPrepared,
    MessagingUserErased,
    MessagingPersonalDataRead,
)
