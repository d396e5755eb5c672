"""Reads of people's conversations by referents, reported to accounts' audit log.

Accounts keeps the one audit log of the platform. A referent reads the conversations
of their zone without taking part in them (``domain.access``): when an answer shows
them one, its messages or the list of their territory's, messaging publishes
``messaging.personal_data.read`` naming the participants (through the outbox, once
the read succeeded). A participant reading their own conversation is not reported,
nor a participant already erased (their name and details are gone).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.messaging.domain.access import Access, access_to
from services.messaging.domain.model import Conversation
from shared.contracts.messaging import MessagingPersonalDataRead
from shared.http import Principal
from shared.personal_data import ReadReporter

# What was read (stable codes, shown to admins and in the person's export).
CONVERSATION_READ = "conversation_read"
CONVERSATION_MESSAGES_READ = "conversation_messages_read"
CONVERSATIONS_LISTED = "conversations_listed"

# Reports that a referent was shown these people's conversations.
record_reads = ReadReporter(MessagingPersonalDataRead)


def in_conversations(
    principal: Principal, conversations: Iterable[Conversation]
) -> list[str | None]:
    """The participants of each conversation the reader does not take part in."""
    return [
        participant.user_id
        for conversation in conversations
        if access_to(conversation, principal) is not Access.PARTICIPATE
        for participant in conversation.participants
        if not participant.deleted
    ]
