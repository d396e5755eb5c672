"""What can happen to a conversation, with its transaction and the events it emits.

Used by the HTTP routes, the inbound SMTP endpoint and the event handlers alike, so a
rule (masking, rate limit, threading, who may write) is applied the same way whether
someone writes in the platform or replies from their inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import InsertOne
from pymongo.asynchronous.client_session import AsyncClientSession

from services.messaging.arrivals import Arrivals
from services.messaging.domain.access import Access, access_to
from services.messaging.domain.aliases import alias_address, new_alias
from services.messaging.domain.masking import display_phone, mask_contact_details
from services.messaging.domain.model import (
    Conversation,
    Message,
    MessageKind,
    Participant,
    SharedContact,
    Source,
)
from services.messaging.domain.names import FORMER_MEMBER, full_name, short_name
from services.messaging.domain.subject import conversation_subject, reply_subject
from services.messaging.domain.text import clean_body
from services.messaging.metrics import message_relayed
from services.messaging.post_rate import PostRate, RateLimitedError
from services.messaging.settings import MessagingSettings
from services.messaging.store import MessagingStore
from shared.batches import Batches
from shared.contracts.accounts import ContactChanged
from shared.contracts.agenda import AppointmentFacts, SolicitationCreated
from shared.contracts.messaging import MessageRelayed, MessagingUserErased
from shared.http import Page, PageQuery, Principal
from shared.mongo import Document
from shared.runtime import ServiceContext
from shared.tracing import current_carrier

SERVICE_NAME = "messaging"


def _now() -> datetime:
    return datetime.now(UTC)


class ConversationNotFoundError(LookupError):
    """No such conversation, or not one the caller may see."""


class ConversationClosedError(RuntimeError):
    """The conversation no longer takes messages."""


class ReadOnlyError(PermissionError):
    """The caller may read the conversation but not write in it (a zone referent)."""


class ContactUnknownError(RuntimeError):
    """Messaging has not received the caller's contact details from accounts (yet)."""


class _NotPostedError(Exception):
    """Aborts a transaction whose message could not be appended."""


@dataclass(frozen=True)
class Posted:
    """A message just written, and the conversation as it was before it."""

    message: Message
    conversation: Conversation
    relayed_to: int


# (author as a participant) -> (body the others see, body as written when different)
Composer = Callable[[Participant], tuple[str, str | None]]

# Posts written by one transaction at most.
POST_BATCH = 64


@dataclass(frozen=True)
class _Post:
    """A message to append, as asked."""

    conversation_id: str
    author_id: str
    kind: MessageKind
    source: Source
    compose: Composer
    now: datetime
    inbound_key: str | None = None
    # The trace of the request (or event) that asked for it: posts are written in
    # batches, each post's events go on in its own.
    trace: dict[str, str] = field(default_factory=current_carrier, compare=False)


class Conversations:
    """Messaging's operations on conversations."""

    def __init__(
        self, context: ServiceContext, store: MessagingStore, config: MessagingSettings
    ) -> None:
        self._context = context
        self.store = store
        self.config = config
        self.relay_domain = context.settings.relay_domain
        self._public_url = context.settings.public_url.rstrip("/")
        self._rate = PostRate(store, config.messages_per_minute)
        # Posts that arrive together are written together: one read of their authors'
        # recent posts, one of their conversations and one bulk write, whatever their
        # number. One batch at a time, so the posting limit counts a burst exactly.
        self._posts: Batches[_Post, Posted | RateLimitedError | None] = Batches(
            self._write_posts, limit=POST_BATCH
        )
        self.arrivals = Arrivals()

    # reading ----------------------------------------------------------------------

    async def visible(
        self, conversation_id: str, principal: Principal
    ) -> tuple[Conversation, Access]:
        """The conversation and the caller's access; not found for anyone without one."""
        conversation = await self.store.conversation(conversation_id)
        if conversation is None:
            raise ConversationNotFoundError(conversation_id)
        access = access_to(conversation, principal)
        if access is Access.NONE:
            raise ConversationNotFoundError(conversation_id)
        return conversation, access

    async def read(
        self, conversation_id: str, principal: Principal, page: PageQuery
    ) -> tuple[Conversation, Page[Message]]:
        """One page of messages, newest page first, each page oldest first.

        A participant reading messages has seen them: their unread count drops.
        """
        conversation, access = await self.visible(conversation_id, principal)
        messages = await self.store.page_of_messages(conversation_id, page)
        me = conversation.participant(principal.user_id)
        if access is Access.PARTICIPATE and me is not None and messages.items:
            newest = messages.items[0].seq
            if newest > me.read_seq:
                await self._context.transaction(
                    lambda session: self.store.mark_read(
                        conversation_id, principal.user_id, newest, session
                    )
                )
        messages.items.reverse()
        return conversation, messages

    async def since(
        self, conversation_id: str, principal: Principal, after: int, limit: int, wait: float
    ) -> tuple[Conversation, list[Message]]:
        """The messages numbered above ``after``, oldest first; when there is none yet,
        wait up to ``wait`` seconds for one (long polling).

        A participant reading them has seen them, as with :meth:`read`.
        """
        conversation, access = await self.visible(conversation_id, principal)
        with self.arrivals.reader(conversation_id, after) as arrived:
            # Read once registered: a message written in between wakes the reader.
            messages = await self.store.messages_after(conversation_id, after, limit)
            if not messages and wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(arrived.wait(), timeout=wait)
                    messages = await self.store.messages_after(conversation_id, after, limit)
        me = conversation.participant(principal.user_id)
        if access is Access.PARTICIPATE and me is not None and messages:
            newest = messages[-1].seq
            if newest > me.read_seq:
                await self._context.transaction(
                    lambda session: self.store.mark_read(
                        conversation_id, principal.user_id, newest, session
                    )
                )
        return conversation, messages

    # writing ----------------------------------------------------------------------

    async def post(
        self,
        conversation_id: str,
        author_id: str,
        text: str,
        *,
        source: Source,
        inbound_key: str | None = None,
    ) -> Posted:
        """Write a message; every other participant gets it by email (masked).

        Raises ``ConversationNotFoundError``, ``ConversationClosedError``,
        ``RateLimitedError``; pymongo's ``DuplicateKeyError`` when this inbound mail was
        already posted.
        """

        def compose(author: Participant) -> tuple[str, str | None]:
            if author.shared is not None:
                return text, None
            masked = mask_contact_details(text)
            return masked.text, (text if masked.found else None)

        now = _now()
        posted = await self._posts.submit(
            _Post(conversation_id, author_id, "message", source, compose, now, inbound_key)
        )
        if isinstance(posted, RateLimitedError):
            raise posted
        if posted is None:
            raise await self._why_not(conversation_id, author_id, now)
        return posted

    async def contact_to_share(
        self, conversation_id: str, principal: Principal
    ) -> tuple[SharedContact, str, bool]:
        """What sharing would show the others, before the caller decides: the details,
        the message that carries them, and whether they are already shared."""
        conversation, access = await self.visible(conversation_id, principal)
        me = conversation.participant(principal.user_id)
        if access is not Access.PARTICIPATE or me is None:
            raise ReadOnlyError(conversation_id)
        if me.shared is not None:
            return me.shared, sharing_message(me.shared), True
        shared = await self._contact_of(principal.user_id, _now())
        return shared, sharing_message(shared), False

    async def _contact_of(self, user_id: str, now: datetime) -> SharedContact:
        contact = await self.store.contact(user_id)
        if contact is None or contact.get("deleted") or not contact.get("email"):
            raise ContactUnknownError(user_id)
        return SharedContact(
            name=full_name(contact["first_name"], contact["last_name"]),
            email=contact["email"],
            phone=display_phone(contact.get("phone")),
            shared_at=now,
        )

    async def share_contact(self, conversation_id: str, author_id: str) -> Conversation:
        """Reveal the caller's name, email and phone to the others of this conversation.

        Sharing twice changes nothing; the first time, a message carrying the details
        reaches the others (API and email).
        """
        now = _now()
        shared = await self._contact_of(author_id, now)

        def compose(author: Participant) -> tuple[str, str | None]:
            return sharing_message(shared), None

        async def work(session: AsyncClientSession) -> None:
            if not await self.store.set_shared(
                conversation_id, author_id, shared.model_dump(), session
            ):
                return  # already shared (or not a participant: told below)
            [posted] = await self._append(
                session,
                [_Post(conversation_id, author_id, "contact_shared", "platform", compose, now)],
            )
            if posted is None:
                raise _NotPostedError  # closed: undo the sharing too

        try:
            await self._context.transaction(work)
        except _NotPostedError:
            raise await self._why_not(conversation_id, author_id, now) from None
        conversation = await self.store.conversation(conversation_id)
        me = conversation.participant(author_id) if conversation else None
        if conversation is None or me is None or me.deleted:
            raise ConversationNotFoundError(conversation_id)
        if me.shared is None:
            raise await self._why_not(conversation_id, author_id, now)
        self.arrivals.posted(conversation_id, conversation.seq)
        return conversation

    async def close(self, conversation_id: str, principal: Principal) -> Conversation:
        """A participant closes the conversation: no more messages, aliases refused."""
        _, access = await self.visible(conversation_id, principal)
        if access is not Access.PARTICIPATE:
            raise ReadOnlyError(conversation_id)
        await self.store.close(conversation_id, _now())
        closed = await self.store.conversation(conversation_id)
        assert closed is not None
        return closed

    async def _why_not(self, conversation_id: str, author_id: str, now: datetime) -> Exception:
        conversation = await self.store.conversation(conversation_id)
        me = conversation.participant(author_id) if conversation else None
        if conversation is None or me is None or me.deleted:
            return ConversationNotFoundError(conversation_id)
        if not conversation.is_open(now):
            return ConversationClosedError(conversation_id)
        return RuntimeError(f"message not posted in {conversation_id}")

    async def _write_posts(self, posts: list[_Post]) -> list[Posted | RateLimitedError | None]:
        async def work(session: AsyncClientSession) -> list[Posted | RateLimitedError | None]:
            refusals = await self._rate.refusals([(p.author_id, p.now) for p in posts], session)
            allowed = [
                post for post, refusal in zip(posts, refusals, strict=True) if refusal is None
            ]
            appended = iter(await self._append(session, allowed))
            return [next(appended) if refusal is None else refusal for refusal in refusals]

        written = await self._context.transaction(work)
        for posted in written:
            if isinstance(posted, Posted):  # committed: its readers may read it now
                self.arrivals.posted(posted.message.conversation_id, posted.message.seq)
                message_relayed(posted.message.source, posted.relayed_to)
        return written

    async def _append(
        self, session: AsyncClientSession, posts: Sequence[_Post]
    ) -> list[Posted | None]:
        """Append each post in turn (None for one its author may not write now)."""
        conversations = await self.store.conversations_by_id(
            {post.conversation_id for post in posts}, session
        )
        results: list[Posted | None] = []
        written: list[tuple[Message, Document]] = []
        outbox_writes: list[InsertOne[Document]] = []
        for post in posts:
            before = conversations.get(post.conversation_id)
            author = before.writer(post.author_id, post.now) if before is not None else None
            if before is None or author is None:
                results.append(None)
                continue
            message_id = uuid.uuid4().hex
            body, author_body = post.compose(author)
            message = Message(
                id=message_id,
                conversation_id=post.conversation_id,
                seq=before.seq + 1,
                author_id=post.author_id,
                kind=post.kind,
                source=post.source,
                body=body,
                author_body=author_body,
                masked=author_body is not None,
                mail_message_id=f"{message_id}@{self.relay_domain}",
                created_at=post.now,
            )
            relays = self._relays(before, author, message)
            conversations[post.conversation_id] = before.with_message(message)
            written.append((message, self._extra_fields(post)))
            outbox_writes.extend(self._context.outbox.insert_ops(relays, trace=post.trace))
            results.append(Posted(message=message, conversation=before, relayed_to=len(relays)))
        if written:
            await self.store.append(written, outbox_writes, session)
        return results

    def _extra_fields(self, post: _Post) -> Document:
        """What a message's document holds besides the message: the key of its inbound
        mail, and for a post (not a sharing nor a solicitation) its posting-limit bucket."""
        extra: Document = {}
        if post.inbound_key:
            extra["inbound_key"] = post.inbound_key
        if post.kind == "message":
            extra["rate_bucket"] = self._rate.bucket(post.author_id, post.now)
        return extra

    def _relays(
        self, before: Conversation, author: Participant, message: Message
    ) -> list[MessageRelayed]:
        in_reply_to, references = before.thread_headers()
        subject = before.subject if message.seq == 1 else reply_subject(before.subject)
        return [
            MessageRelayed(
                conversation_id=before.id,
                message_id=message.id,
                recipient_id=recipient.user_id,
                sender_display=author.sender_display,
                reply_to=alias_address(recipient.alias, self.relay_domain),
                subject=subject,
                body=message.body,
                mail_message_id=message.mail_message_id,
                in_reply_to=in_reply_to,
                references=references,
                conversation_url=self.conversation_url(before.id),
            )
            for recipient in before.others(author.user_id)
        ]

    def conversation_url(self, conversation_id: str) -> str:
        """Where the conversation is read in the platform."""
        return f"{self._public_url}/messagerie/{conversation_id}"

    # what other services tell us ---------------------------------------------------

    async def open_for_solicitation(
        self, event: SolicitationCreated, session: AsyncClientSession
    ) -> Conversation | None:
        """Open the conversation of a new solicitation, its message as the first one."""
        facts = event.appointment
        if await self.store.conversation_for_appointment(facts.appointment_id, session):
            return None  # the same solicitation announced again
        now = _now()
        establishment = facts.establishment
        department = establishment.department or _department(establishment.postcode)
        participants = (
            Participant(
                user_id=facts.requester_id,
                role="requester",
                display_name=facts.requester_name,
                alias=new_alias(),
            ),
            Participant(
                user_id=facts.ambassador_id,
                role="ambassador",
                display_name=facts.ambassador_name,
                alias=new_alias(),
            ),
        )
        conversation = Conversation(
            id=uuid.uuid4().hex,
            appointment_id=facts.appointment_id,
            subject=conversation_subject(facts.kind, facts.starts_at, establishment.name),
            department=department,
            bassin=establishment.bassin,
            participants=participants,
            created_at=now,
            last_message_at=now,
        )
        aliases = [
            {
                "_id": p.alias,
                "conversation_id": conversation.id,
                "user_id": p.user_id,
                "active": True,
                "created_at": now,
            }
            for p in participants
        ]
        await self.store.insert_conversation(conversation, aliases, session)
        text = clean_body(event.message or "")
        if text:

            def compose(author: Participant) -> tuple[str, str | None]:
                masked = mask_contact_details(text)
                return masked.text, (text if masked.found else None)

            await self._append(
                session,
                [
                    _Post(
                        conversation.id,
                        facts.requester_id,
                        "solicitation",
                        "solicitation",
                        compose,
                        now,
                    )
                ],
            )
        return conversation

    async def appointment_over(
        self, appointment_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """The appointment is done, refused, cancelled or expired: close later."""
        closes_at = at + timedelta(seconds=self.config.close_after_seconds)
        await self.store.schedule_close(appointment_id, closes_at, session)

    async def appointment_moved(
        self, old_appointment_id: str, new: AppointmentFacts, session: AsyncClientSession
    ) -> None:
        """An alternative slot was taken: the same conversation follows the new appointment.

        The subject names the appointment's day, and the emails relayed from now on
        carry it: it is made again from the new appointment's facts.
        """
        subject = conversation_subject(new.kind, new.starts_at, new.establishment.name)
        await self.store.move_to_appointment(
            old_appointment_id, new.appointment_id, subject, session
        )

    async def remember_contact(
        self, event: ContactChanged, as_of: datetime, session: AsyncClientSession
    ) -> None:
        """Keep the person's details; rename them where they appear."""
        fields = {
            "email": event.email.strip().lower(),
            "phone": event.phone,
            "first_name": event.first_name,
            "last_name": event.last_name,
        }
        if not await self.store.remember_contact(event.user_id, fields, as_of, session):
            return
        await self.store.rename_participant(
            event.user_id,
            short_name(event.first_name, event.last_name),
            {
                "name": full_name(event.first_name, event.last_name),
                "email": fields["email"],
                "phone": display_phone(event.phone),
            },
            session,
        )

    async def purge_finished(self, now: datetime) -> int:
        """Delete the conversations over for ``MESSAGING_PURGE_AFTER_DAYS``; returns how many."""
        return await self.store.purge_finished(now - timedelta(days=self.config.purge_after_days))

    async def forget_user(self, user_id: str, as_of: datetime, session: AsyncClientSession) -> int:
        """The account is deleted: see :meth:`MessagingStore.forget_user`; accounts is
        told (``messaging.user.erased``) in the same transaction."""
        erased = await self.store.forget_user(user_id, FORMER_MEMBER, as_of, session)
        await self._context.outbox.add(
            MessagingUserErased(user_id=user_id, service=SERVICE_NAME),
            session,
            correlation_id=user_id,
        )
        return erased

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """What messaging holds about ``user_id``, for their data export (RGPD art. 15).

        Their conversations and every message in them, written or received, each as
        they read it (the others' words masked as they were shown); the other parties
        appear by their public name only.
        """
        contact = await self.store.contact(user_id)
        conversations = await self.store.conversations_of(user_id)
        messages = await self.store.messages_in([c.id for c in conversations])
        mine = {c.id: c.participant(user_id) for c in conversations}
        names = {(c.id, p.user_id): p.display_name for c in conversations for p in c.participants}
        return {
            "contact": (
                None
                if contact is None or contact.get("deleted")
                else {
                    key: contact.get(key) for key in ("email", "phone", "first_name", "last_name")
                }
            ),
            "conversations": [
                {
                    "id": c.id,
                    "subject": c.subject,
                    "created_at": c.created_at.isoformat(),
                    "status": c.status,
                    "role": me.role,
                    "display_name": me.display_name,
                    "with": [p.display_name for p in c.participants if p.user_id != user_id],
                    "reply_address": alias_address(me.alias, self.relay_domain),
                    "contact_shared_at": me.shared.shared_at.isoformat() if me.shared else None,
                }
                for c in conversations
                if (me := mine[c.id]) is not None
            ],
            "messages": [
                {
                    "id": m.id,
                    "conversation_id": m.conversation_id,
                    "created_at": m.created_at.isoformat(),
                    "source": m.source,
                    "sent": m.author_id == user_id,
                    "from": (
                        "vous"
                        if m.author_id == user_id
                        else names.get((m.conversation_id, m.author_id), FORMER_MEMBER)
                    ),
                    "body": m.body_for(user_id),
                }
                for m in messages
            ],
        }


def sharing_message(shared: SharedContact) -> str:
    """The message that carries shared details to the others (and by email)."""
    lines = [f"{shared.name} vous communique ses coordonnées :", f"E-mail : {shared.email}"]
    if shared.phone:
        lines.append(f"Téléphone : {shared.phone}")
    return "\n".join(lines)


def _department(postcode: str | None) -> str | None:
    # French postcodes start with the department (Hauts-de-France: 02, 59, 60, 62, 80).
    if postcode and len(postcode) == 5 and postcode.isdigit():
        return postcode[:2]
    return None
