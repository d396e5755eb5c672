"""Messaging's MongoDB database: conversations, messages, relay aliases, contacts.

- ``conversations`` embed their two (or more) participants, with each one's alias,
  reading position, unread count and shared contact; ``participant_ids`` lists the
  participants whose account exists, for listing and access.
- ``messages`` are numbered per conversation (``seq``).
- ``relay_aliases`` (``RelayAlias`` records) map an alias to its conversation and owner,
  for the inbound SMTP endpoint.
- ``contacts`` is messaging's copy of accounts' private contact details
  (``accounts.contact.changed``), used only to check who replies by email and to reveal
  a participant's details once they share them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ClientBulkWriteException, DuplicateKeyError

from services.messaging.domain.model import THREAD_DEPTH, Conversation, Message
from shared.http import Page, PageQuery, paginate
from shared.mongo import Document, IndexSpec, find_one_as

CONVERSATIONS = "conversations"
MESSAGES = "messages"
ALIASES = "relay_aliases"
DUPLICATE_KEY = 11000
CONTACTS = "contacts"

INDEXES = [
    IndexSpec(CONVERSATIONS, [("appointment_ids", 1)], name="by_appointment", unique=True),
    IndexSpec(
        CONVERSATIONS,
        [("participant_ids", 1), ("last_message_at", -1), ("_id", -1)],
        name="by_participant",
    ),
    IndexSpec(
        CONVERSATIONS, [("department", 1), ("last_message_at", -1), ("_id", -1)], name="by_dept"
    ),
    IndexSpec(
        CONVERSATIONS, [("bassin", 1), ("last_message_at", -1), ("_id", -1)], name="by_bassin"
    ),
    IndexSpec(MESSAGES, [("conversation_id", 1), ("seq", -1)], name="by_seq", unique=True),
    # A person's own messages: their data export, their erasure.
    IndexSpec(MESSAGES, [("author_id", 1), ("created_at", 1)], name="by_author"),
    # Their messages of the last minute, for the posting limit (see ``post_rate``).
    IndexSpec(MESSAGES, [("rate_bucket", 1)], name="rate_window"),
    # A mail delivered twice (an MTA retrying after a lost answer) is posted once.
    IndexSpec(
        MESSAGES,
        [("inbound_key", 1)],
        name="inbound_once",
        unique=True,
        partial={"inbound_key": {"$type": "string"}},
    ),
    # The retention worker: conversations over for long.
    IndexSpec(
        CONVERSATIONS, [("closes_at", 1)], name="closing", partial={"closes_at": {"$type": "date"}}
    ),
    IndexSpec(
        CONVERSATIONS, [("closed_at", 1)], name="closed", partial={"closed_at": {"$type": "date"}}
    ),
    IndexSpec(ALIASES, [("user_id", 1)], name="by_user"),
    IndexSpec(ALIASES, [("conversation_id", 1)], name="by_conversation"),
]


class MessagingStore:
    """Reads and writes of messaging's own database."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        # A posted message and its conversation are written by one client-level bulk write.
        self._client = db.client
        self.conversations = db[CONVERSATIONS]
        self.messages = db[MESSAGES]
        self.aliases = db[ALIASES]
        self.contacts = db[CONTACTS]

    # conversations ---------------------------------------------------------------

    async def conversation(
        self, conversation_id: str, session: AsyncClientSession | None = None
    ) -> Conversation | None:
        """One conversation by id."""
        return await find_one_as(
            Conversation, self.conversations, {"_id": conversation_id}, session
        )

    async def conversation_for_appointment(
        self, appointment_id: str, session: AsyncClientSession | None = None
    ) -> Conversation | None:
        """The conversation an appointment belongs to (opened with it or moved to it)."""
        return await find_one_as(
            Conversation, self.conversations, {"appointment_ids": appointment_id}, session
        )

    async def insert_conversation(
        self, conversation: Conversation, aliases: Sequence[Document], session: AsyncClientSession
    ) -> None:
        """A new conversation and its participants' aliases."""
        doc = conversation.model_dump(by_alias=True, mode="python")
        doc["appointment_ids"] = [conversation.appointment_id]
        doc["participant_ids"] = [p.user_id for p in conversation.participants]
        await self.conversations.insert_one(doc, session=session)
        await self.aliases.insert_many(list(aliases), session=session)

    async def conversations_by_id(
        self, conversation_ids: Iterable[str], session: AsyncClientSession
    ) -> dict[str, Conversation]:
        """These conversations (those that exist), read in the caller's transaction."""
        found = self.conversations.find({"_id": {"$in": list(conversation_ids)}}, session=session)
        return {doc["_id"]: Conversation.model_validate(doc) async for doc in found}

    async def append(
        self,
        messages: Sequence[tuple[Message, Document]],
        events: Sequence[InsertOne[Document]],
        session: AsyncClientSession,
    ) -> None:
        """Write ``messages`` (each with extra fields) and their ``events`` in one
        request: each message's conversation counts it as unread for the others,
        appends its Message-ID to the thread and takes its number (``message.seq``).

        Raises ``DuplicateKeyError`` when a number or an ``inbound_key`` is taken.
        """
        writes: list[InsertOne[Document] | UpdateOne] = []
        for message, extra in messages:
            writes.append(
                UpdateOne(
                    {"_id": message.conversation_id},
                    {
                        "$inc": {"seq": 1, "participants.$[other].unread": 1},
                        "$set": {"last_message_at": message.created_at},
                        "$push": {
                            "thread": {"$each": [message.mail_message_id], "$slice": -THREAD_DEPTH}
                        },
                    },
                    array_filters=[{"other.user_id": {"$ne": message.author_id}}],
                    namespace=self.conversations.full_name,
                )
            )
            doc = message.model_dump(by_alias=True, exclude_none=True) | dict(extra)
            writes.append(InsertOne(doc, namespace=self.messages.full_name))
        writes.extend(events)
        # Never the first statement of its transaction: the embedded store refuses a
        # bulkWrite that carries the transaction's read concern.
        try:
            await self._client.bulk_write(writes, session=session)
        except ClientBulkWriteException as error:
            failures: list[Document] = error.details.get("writeErrors") or []
            duplicate = next((f for f in failures if f.get("code") == DUPLICATE_KEY), None)
            if duplicate is not None:
                text = str(duplicate.get("errmsg", "duplicate key"))
                raise DuplicateKeyError(text, DUPLICATE_KEY, duplicate) from error
            raise

    async def page_for_participant(
        self, user_id: str, page: PageQuery, *, appointment_id: str | None = None
    ) -> Page[Conversation]:
        """The conversations of ``user_id`` (of one appointment, if given), most recently
        active first."""
        return await paginate(
            self.conversations,
            {"participant_ids": user_id, **_of_appointment(appointment_id)},
            sort=[("last_message_at", -1)],
            page=page,
            load=Conversation.model_validate,
        )

    async def page_for_territory(
        self,
        departments: Sequence[str],
        bassins: Sequence[str],
        page: PageQuery,
        *,
        appointment_id: str | None = None,
    ) -> Page[Conversation]:
        """Conversations of establishments in these departments or bassins (of one
        appointment, if given)."""
        zone: list[dict[str, Any]] = []
        if departments:
            zone.append({"department": {"$in": list(departments)}})
        if bassins:
            zone.append({"bassin": {"$in": list(bassins)}})
        if not zone:
            return Page(items=[])
        where = {"$or": zone} if len(zone) > 1 else zone[0]
        return await paginate(
            self.conversations,
            {**where, **_of_appointment(appointment_id)},
            sort=[("last_message_at", -1)],
            page=page,
            load=Conversation.model_validate,
        )

    async def set_shared(
        self,
        conversation_id: str,
        user_id: str,
        shared: Mapping[str, Any],
        session: AsyncClientSession,
    ) -> bool:
        """Record that ``user_id`` shared their details; False if they already had."""
        result = await self.conversations.update_one(
            {"_id": conversation_id},
            {"$set": {"participants.$[me].shared": dict(shared)}},
            array_filters=[{"me.user_id": user_id, "me.shared": None}],
            session=session,
        )
        return result.modified_count == 1

    async def mark_read(
        self, conversation_id: str, user_id: str, upto_seq: int, session: AsyncClientSession
    ) -> None:
        """``user_id`` has now seen every message up to ``upto_seq``."""
        # Usually the newest message was read: nothing left unread, no count needed.
        # Never backwards: reading an older page after a newer one changes nothing.
        mine = {"$elemMatch": {"user_id": user_id, "read_seq": {"$lt": upto_seq}}}
        done = await self.conversations.update_one(
            {"_id": conversation_id, "seq": upto_seq, "participants": mine},
            {"$set": {"participants.$.read_seq": upto_seq, "participants.$.unread": 0}},
            session=session,
        )
        if done.matched_count:
            return
        unread = await self.messages.count_documents(
            {
                "conversation_id": conversation_id,
                "seq": {"$gt": upto_seq},
                "author_id": {"$ne": user_id},
            },
            session=session,
        )
        await self.conversations.update_one(
            {"_id": conversation_id, "participants": mine},
            {"$set": {"participants.$.read_seq": upto_seq, "participants.$.unread": unread}},
            session=session,
        )

    async def close(self, conversation_id: str, now: datetime) -> None:
        """Close a conversation now (a participant asked)."""
        await self.conversations.update_one(
            {"_id": conversation_id}, {"$set": {"status": "closed", "closed_at": now}}
        )

    async def schedule_close(
        self, appointment_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """The conversation of this (current) appointment closes at ``at``."""
        await self.conversations.update_one(
            {"appointment_id": appointment_id, "status": "open"},
            {"$set": {"closes_at": at}},
            session=session,
        )

    async def move_to_appointment(
        self,
        old_appointment_id: str,
        new_appointment_id: str,
        subject: str,
        session: AsyncClientSession,
    ) -> None:
        """An alternative slot was taken: the conversation goes on with the new
        appointment, under the subject that names its date."""
        await self.conversations.update_one(
            {"appointment_ids": old_appointment_id, "status": "open"},
            {
                "$set": {
                    "appointment_id": new_appointment_id,
                    "subject": subject,
                    "closes_at": None,
                },
                "$addToSet": {"appointment_ids": new_appointment_id},
            },
            session=session,
        )

    # messages ------------------------------------------------------------------------

    async def page_of_messages(self, conversation_id: str, page: PageQuery) -> Page[Message]:
        """Messages from the newest back (the caller shows each page oldest first)."""
        return await paginate(
            self.messages,
            {"conversation_id": conversation_id},
            sort=[("seq", -1)],
            page=page,
            load=Message.model_validate,
        )

    async def messages_after(self, conversation_id: str, after: int, limit: int) -> list[Message]:
        """The messages numbered above ``after``, oldest first, ``limit`` at most."""
        cursor = (
            self.messages.find({"conversation_id": conversation_id, "seq": {"$gt": after}})
            .sort("seq", 1)
            .limit(limit)
        )
        return [Message.model_validate(doc) async for doc in cursor]

    async def latest_numbers(self, conversation_ids: Iterable[str]) -> dict[str, int]:
        """The number of the latest message of each of these conversations."""
        found = self.conversations.find(
            {"_id": {"$in": list(conversation_ids)}}, {"_id": 1, "seq": 1}
        )
        return {doc["_id"]: int(doc.get("seq", 0)) async for doc in found}

    async def posts_in_buckets(
        self, buckets: Iterable[str], session: AsyncClientSession
    ) -> list[tuple[str, datetime]]:
        """(author, time) of the messages whose ``rate_bucket`` is one of ``buckets``."""
        cursor = self.messages.find(
            {"rate_bucket": {"$in": sorted(buckets)}},
            {"_id": 0, "author_id": 1, "created_at": 1},
            session=session,
        )
        return [(doc["author_id"], doc["created_at"]) async for doc in cursor]

    # aliases ---------------------------------------------------------------------------

    async def alias(self, alias: str) -> Document | None:
        """The ``RelayAlias`` record of ``alias``."""
        return await self.aliases.find_one({"_id": alias})

    async def mark_held_notice(self, alias: str, day: str, session: AsyncClientSession) -> bool:
        """Note that ``alias``'s owner is told today (``day``) of a held reply; False
        when they already were (one notice a day: a forger may send many mails)."""
        marked = await self.aliases.update_one(
            {"_id": alias, "held_notice_day": {"$ne": day}},
            {"$set": {"held_notice_day": day}},
            session=session,
        )
        return bool(marked.modified_count)

    # contacts --------------------------------------------------------------------------

    async def contact(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        """Messaging's copy of ``user_id``'s contact details (or their tombstone)."""
        return await self.contacts.find_one({"_id": user_id}, session=session)

    async def remember_contact(
        self, user_id: str, fields: Mapping[str, Any], as_of: datetime, session: AsyncClientSession
    ) -> bool:
        """Keep the newest details (events may arrive out of order); a deleted user
        stays deleted. Returns whether these details are now the ones kept."""
        known = await self.contacts.find_one({"_id": user_id}, session=session)
        if known is not None and (known.get("deleted") or known["as_of"] >= as_of):
            return False
        await self.contacts.replace_one(
            {"_id": user_id}, {**fields, "as_of": as_of}, upsert=True, session=session
        )
        return True

    async def rename_participant(
        self,
        user_id: str,
        display_name: str,
        shared_fields: Mapping[str, Any],
        session: AsyncClientSession,
    ) -> None:
        """New name (and, where shared, new details) of ``user_id`` in their conversations."""
        await self.conversations.update_many(
            {"participant_ids": user_id},
            {"$set": {"participants.$[me].display_name": display_name}},
            array_filters=[{"me.user_id": user_id}],
            session=session,
        )
        await self.conversations.update_many(
            {"participant_ids": user_id},
            {"$set": {f"participants.$[me].shared.{k}": v for k, v in shared_fields.items()}},
            array_filters=[{"me.user_id": user_id, "me.shared": {"$ne": None}}],
            session=session,
        )

    # personal data -----------------------------------------------------------------------

    async def conversations_of(self, user_id: str) -> list[Conversation]:
        """Every conversation ``user_id`` takes part in."""
        cursor = self.conversations.find({"participant_ids": user_id}).sort("created_at", 1)
        return [Conversation.model_validate(doc) async for doc in cursor]

    async def messages_in(self, conversation_ids: Sequence[str]) -> list[Message]:
        """Every message of these conversations, each conversation in order."""
        cursor = self.messages.find({"conversation_id": {"$in": list(conversation_ids)}}).sort(
            [("conversation_id", 1), ("seq", 1)]
        )
        return [Message.model_validate(doc) async for doc in cursor]

    # retention ---------------------------------------------------------------------------

    async def purge_finished(self, finished_before: datetime) -> int:
        """Delete conversations over since before ``finished_before``, with their messages
        and aliases; returns how many conversations.

        Over: closed by a participant (``closed_at``) or past the closing that followed
        the end of their appointment (``closes_at``).
        """
        over = {
            "$or": [
                {"closes_at": {"$lte": finished_before}},
                {"status": "closed", "closed_at": {"$lte": finished_before}},
            ]
        }
        ids = [doc["_id"] async for doc in self.conversations.find(over, {"_id": 1})]
        if not ids:
            return 0
        # Messages and aliases first: a crash in between leaves a conversation to purge
        # again, never messages without their conversation.
        await self.messages.delete_many({"conversation_id": {"$in": ids}})
        await self.aliases.delete_many({"conversation_id": {"$in": ids}})
        result = await self.conversations.delete_many({"_id": {"$in": ids}})
        return result.deleted_count

    # erasure ---------------------------------------------------------------------------

    async def forget_user(
        self, user_id: str, former_name: str, as_of: datetime, session: AsyncClientSession
    ) -> int:
        """Erase what messaging holds about ``user_id``; returns conversations erased.

        Their contact becomes a tombstone, their aliases are disabled, their name in
        conversations becomes ``former_name`` and what they shared is withdrawn; their
        messages stay for the others as the others saw them. A conversation left with
        no living participant is erased whole.
        """
        await self.contacts.replace_one(
            {"_id": user_id}, {"deleted": True, "as_of": as_of}, upsert=True, session=session
        )
        await self.aliases.update_many(
            {"user_id": user_id}, {"$set": {"active": False}}, session=session
        )
        await self.messages.update_many(
            {"author_id": user_id}, {"$unset": {"author_body": ""}}, session=session
        )
        await self.messages.update_many(
            {"author_id": user_id, "kind": "contact_shared"},
            {"$set": {"body": "Coordonnées retirées : ce compte a été supprimé."}},
            session=session,
        )
        await self.conversations.update_many(
            {"participant_ids": user_id},
            {
                "$set": {
                    "participants.$[me].display_name": former_name,
                    "participants.$[me].deleted": True,
                    "participants.$[me].shared": None,
                },
                "$pull": {"participant_ids": user_id},
            },
            array_filters=[{"me.user_id": user_id}],
            session=session,
        )
        empty = [
            doc["_id"]
            async for doc in self.conversations.find(
                {"participants.user_id": user_id, "participant_ids": {"$size": 0}},
                {"_id": 1},
                session=session,
            )
        ]
        if empty:
            await self.messages.delete_many({"conversation_id": {"$in": empty}}, session=session)
            await self.aliases.delete_many({"conversation_id": {"$in": empty}}, session=session)
            await self.conversations.delete_many({"_id": {"$in": empty}}, session=session)
        return len(empty)


def _of_appointment(appointment_id: str | None) -> dict[str, Any]:
    """The filter keeping the conversation of one appointment (none: keep all)."""
    return {"appointment_id": appointment_id} if appointment_id else {}
