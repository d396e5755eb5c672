"""Conversations, their participants and messages, as the rules see them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ParticipantRole = Literal["ambassador", "requester"]
MessageKind = Literal["solicitation", "message", "contact_shared"]
Source = Literal["solicitation", "platform", "email"]

# How many earlier Message-IDs a relayed email lists in References (RFC 5322 allows
# trimming; the root and the latest ones are what mail programs thread on).
THREAD_DEPTH = 10


class SharedContact(BaseModel):
    """What a participant chose to reveal to the others of one conversation."""

    model_config = ConfigDict(frozen=True)

    name: str
    email: str
    phone: str | None = None
    shared_at: datetime


class Participant(BaseModel):
    """One side of a conversation, with their own alias and reading position."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    role: ParticipantRole
    display_name: str
    alias: str
    read_seq: int = 0
    unread: int = 0
    shared: SharedContact | None = None
    deleted: bool = False

    @property
    def sender_display(self) -> str:
        """The name the others see on messages: "Prénom N." until shared."""
        return self.shared.name if self.shared and not self.deleted else self.display_name


class Conversation(BaseModel):
    """A conversation opened with a solicitation, between requester and ambassador."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str = Field(alias="_id")
    appointment_id: str
    subject: str
    department: str | None = None
    bassin: str | None = None
    participants: tuple[Participant, ...]
    status: Literal["open", "closed"] = "open"
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    seq: int = 0
    thread: tuple[str, ...] = ()
    created_at: datetime
    last_message_at: datetime

    def participant(self, user_id: str) -> Participant | None:
        """The participant ``user_id``, if they are one."""
        for participant in self.participants:
            if participant.user_id == user_id:
                return participant
        return None

    def writer(self, user_id: str, now: datetime) -> Participant | None:
        """The participant ``user_id`` if they may post now (open, account still there)."""
        me = self.participant(user_id)
        if me is None or me.deleted or not self.is_open(now):
            return None
        return me

    def with_message(self, message: Message) -> Conversation:
        """This conversation once ``message`` is added: its number, thread and activity."""
        thread = (*self.thread, message.mail_message_id)[-THREAD_DEPTH:]
        update = {"seq": message.seq, "thread": thread, "last_message_at": message.created_at}
        return self.model_copy(update=update)

    def others(self, user_id: str) -> list[Participant]:
        """Everyone but ``user_id`` whose account still exists."""
        return [p for p in self.participants if p.user_id != user_id and not p.deleted]

    def is_open(self, now: datetime) -> bool:
        """Whether messages may still be posted (by API or by email)."""
        if self.status != "open":
            return False
        return self.closes_at is None or self.closes_at > now

    def thread_headers(self) -> tuple[str | None, list[str]]:
        """(In-Reply-To, References) of the next message: our own Message-IDs only."""
        if not self.thread:
            return None, []
        return self.thread[-1], list(self.thread)


class Message(BaseModel):
    """One message. ``body`` is what the others see; ``author_body`` is the text as
    written, kept for its author only when masking changed it."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str = Field(alias="_id")
    conversation_id: str
    seq: int
    author_id: str
    kind: MessageKind
    source: Source
    body: str
    author_body: str | None = None
    masked: bool = False
    mail_message_id: str
    created_at: datetime

    def body_for(self, viewer_id: str) -> str:
        """The text ``viewer_id`` reads: the original for its author, masked otherwise."""
        if viewer_id == self.author_id and self.author_body is not None:
            return self.author_body
        return self.body
