"""The notifier's database: delivery records, its copy of contacts, pending erasures.

A delivery record keeps the rendered message only while it may still be sent: the
body (which may hold a link with a token) is dropped once the server accepted it.
Workers of any replica claim due records in batches with a lease, so a record is
normally sent by one worker and a record left by a dead worker is taken up again.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from bson import Binary
from pymongo import DESCENDING, ReplaceOne, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.notifier.domain import RenderedEmail
from shared import idempotency
from shared.http import Page, PageQuery, paginate
from shared.mongo import Document, IndexSpec

T = TypeVar("T")

DELIVERIES = "deliveries"
RECIPIENTS = "recipients"
ERASURES = "erasures"
PREFERENCES = "preferences"
UNDELIVERABLE = "undeliverable"
KEYS = "keys"

# What an erased address becomes in the delivery log (RFC 2606: never deliverable).
ERASED_ADDRESS = "adresse-effacee@invalid"


class Status(StrEnum):
    """Where a delivery stands."""

    QUEUED = "queued"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a worker, under lease
    SENT = "sent"  # accepted by the SMTP server
    FAILED = "failed"  # refused for good (5xx): not retried unless an admin asks
    DEAD = "dead"  # temporary failures until attempts or age ran out
    SKIPPED = "skipped"  # never sent: declined by its recipient, or the address bounces


class SkipReason(StrEnum):
    """Why an email was not sent (the ``last_error`` of a skipped record)."""

    PREFERENCE = "skipped_by_preference"
    UNDELIVERABLE = "skipped_undeliverable"


PENDING = (Status.QUEUED, Status.SENDING)

INDEXES = [
    # The workers' claim: due records first.
    IndexSpec(DELIVERIES, [("status", 1), ("next_attempt_at", 1)], name="due"),
    IndexSpec(DELIVERIES, [("status", 1), ("lease_until", 1)], name="lease_expired"),
    # The admin log, newest first, all or by status.
    IndexSpec(DELIVERIES, [("created_at", -1), ("_id", -1)], name="log"),
    IndexSpec(DELIVERIES, [("status", 1), ("created_at", -1), ("_id", -1)], name="log_by_status"),
    # Erasure of a deleted user's records.
    IndexSpec(DELIVERIES, [("user_id", 1), ("status", 1)], name="by_user"),
    # Finished records leave the log after the retention period (clean-up only).
    IndexSpec(DELIVERIES, [("purge_at", 1)], name="purge", expire_after_seconds=0),
    # A bounce names the Message-ID of the email it returns.
    IndexSpec(DELIVERIES, [("message_id", 1)], name="by_message_id"),
    # The admin list of addresses that bounce, newest first.
    IndexSpec(UNDELIVERABLE, [("bounced_at", -1)], name="newest"),
]


@dataclass(frozen=True)
class Contact:
    """The notifier's copy of how to reach a user (or that the user is gone)."""

    user_id: str
    email: str | None
    first_name: str | None
    role: str | None
    as_of: datetime
    deleted: bool = False

    def replaced_by(self, newer: Contact) -> bool:
        """Whether ``newer`` should replace this copy: events may come out of order,
        and a deleted user stays deleted (a late event never brings an address back)."""
        return not self.deleted and newer.as_of > self.as_of


def _contact(doc: Document) -> Contact:
    return Contact(
        user_id=doc["_id"],
        email=doc.get("email"),
        first_name=doc.get("first_name"),
        role=doc.get("role"),
        as_of=doc["as_of"],
        deleted=bool(doc.get("deleted")),
    )


def _contact_document(contact: Contact) -> Document:
    if contact.deleted:
        return {"deleted": True, "as_of": contact.as_of}
    return {
        "email": contact.email,
        "first_name": contact.first_name,
        "role": contact.role,
        "as_of": contact.as_of,
    }


def new_delivery(
    email: RenderedEmail,
    *,
    event_id: str,
    event_type: str,
    user_id: str | None,
    erases_user: bool,
    now: datetime,
    trace: dict[str, str] | None = None,
) -> Document:
    """The queued delivery record of a rendered email, due at once; ``trace`` is the
    trace context of the event's handling, which its sending continues."""
    return {
        "_id": uuid.uuid4().hex,
        "event_id": event_id,
        "event_type": event_type,
        "template": email.template,
        "subject": email.subject,
        "user_id": user_id,
        "recipient": email.recipient,
        "envelope_from": email.envelope_from,
        "message_id": email.message_id,
        "message": Binary(email.mime),
        "erases_user": erases_user,
        "status": Status.QUEUED.value,
        "attempts": 0,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
        "queued_at": now,
        "next_attempt_at": now,
        "sent_at": None,
        "trace": trace or {},
    }


def skipped_delivery(
    *,
    event_id: str,
    event_type: str,
    template: str,
    user_id: str | None,
    recipient: str,
    reason: SkipReason,
    now: datetime,
    purge_at: datetime,
) -> Document:
    """A log line for an email that is not sent (no message is kept)."""
    return {
        "_id": uuid.uuid4().hex,
        "event_id": event_id,
        "event_type": event_type,
        "template": template,
        "subject": None,
        "user_id": user_id,
        "recipient": recipient,
        "erases_user": False,
        "status": Status.SKIPPED.value,
        "attempts": 0,
        "last_error": reason.value,
        "created_at": now,
        "updated_at": now,
        "queued_at": now,
        "sent_at": None,
        "purge_at": purge_at,
    }


@dataclass(frozen=True)
class UndeliverableAddress:
    """An address whose mail server refused the platform's email for good."""

    address: str
    user_id: str | None
    status: str
    diagnostic: str
    bounced_at: datetime


def _undeliverable(doc: Document) -> UndeliverableAddress:
    return UndeliverableAddress(
        address=doc["_id"],
        user_id=doc.get("user_id"),
        status=doc.get("status", ""),
        diagnostic=doc.get("diagnostic", ""),
        bounced_at=doc["bounced_at"],
    )


class NotifierStore:
    """Reads and writes of the notifier's own database."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.deliveries = db[DELIVERIES]
        self.recipients = db[RECIPIENTS]
        self.erasures = db[ERASURES]
        self.preferences = db[PREFERENCES]
        self.undeliverable = db[UNDELIVERABLE]
        self.keys = db[KEYS]
        # The intake's record of the events it handled (shared with ``shared.idempotency``).
        self.handled_events = db[idempotency.COLLECTION]

    # the intake's memory and the signing key -------------------------------------

    async def handled_among(self, keys: Sequence[str], session: AsyncClientSession) -> set[str]:
        """Which of these events' keys the intake already handled."""
        cursor = self.handled_events.find({"_id": {"$in": list(keys)}}, {"_id": 1}, session=session)
        return {doc["_id"] async for doc in cursor}

    async def mark_handled(
        self, keys: Sequence[str], *, now: datetime, session: AsyncClientSession
    ) -> None:
        """Remember that the intake handled these events (in its group's transaction)."""
        marks = [{"_id": key, "handled_at": now} for key in keys]
        await self.handled_events.insert_many(marks, session=session)

    async def secret_key(self, key_id: str) -> bytes:
        """The secret named ``key_id``, made on first use (the first replica's write wins)."""
        await self.keys.update_one(
            {"_id": key_id},
            {"$setOnInsert": {"secret": secrets.token_bytes(32)}},
            upsert=True,
        )
        doc = await self.keys.find_one({"_id": key_id})
        assert doc is not None
        return bytes(doc["secret"])

    # contacts ------------------------------------------------------------------

    async def contacts(
        self, user_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, Contact]:
        """What the notifier knows of these users (the unknown ones are left out)."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return {}
        found = self.recipients.find({"_id": {"$in": wanted}}, session=session)
        return {doc["_id"]: _contact(doc) async for doc in found}

    async def contact(self, user_id: str) -> Contact | None:
        """What the notifier knows of ``user_id``; ``None`` when never heard of."""
        doc = await self.recipients.find_one({"_id": user_id})
        return None if doc is None else _contact(doc)

    async def save_contacts(self, contacts: Iterable[Contact], session: AsyncClientSession) -> None:
        """Store the new state of these contacts (a deleted one keeps no personal data)."""
        writes = [
            ReplaceOne({"_id": contact.user_id}, _contact_document(contact), upsert=True)
            for contact in contacts
        ]
        if writes:
            await self.recipients.bulk_write(writes, session=session)

    # preferences ---------------------------------------------------------------

    async def declined(
        self, user_ids: Iterable[str], session: AsyncClientSession | None = None
    ) -> dict[str, set[str]]:
        """The kinds of email each of these users declined (users with none left out)."""
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return {}
        found = self.preferences.find({"_id": {"$in": wanted}}, session=session)
        return {doc["_id"]: set(doc.get("declined", {})) async for doc in found}

    async def declined_since(self, user_id: str) -> dict[str, datetime]:
        """Each kind ``user_id`` declined, with when."""
        doc = await self.preferences.find_one({"_id": user_id})
        return dict((doc or {}).get("declined", {}))

    async def set_preference(self, user_id: str, kind: str, *, wanted: bool, now: datetime) -> None:
        """Accept again or decline one kind of email for ``user_id``."""
        change: Document = (
            {"$unset": {f"declined.{kind}": ""}, "$set": {"updated_at": now}}
            if wanted
            else {"$set": {f"declined.{kind}": now, "updated_at": now}}
        )
        # Declining twice keeps the first date.
        query: Document = {"_id": user_id}
        if not wanted:
            query[f"declined.{kind}"] = {"$exists": False}
        with contextlib.suppress(DuplicateKeyError):  # declined already: nothing to change
            await self.preferences.update_one(query, change, upsert=True)

    # undeliverable addresses ---------------------------------------------------

    async def undeliverable_among(
        self, addresses: Iterable[str], session: AsyncClientSession | None = None
    ) -> set[str]:
        """Which of these addresses bounce (lower-cased)."""
        wanted = list({address.lower() for address in addresses if address})
        if not wanted:
            return set()
        found = self.undeliverable.find({"_id": {"$in": wanted}}, {"_id": 1}, session=session)
        return {doc["_id"] async for doc in found}

    async def sent_to(self, message_id: str, recipient: str) -> Document | None:
        """The delivery record of the email ``message_id`` sent to ``recipient``."""
        async for doc in self.deliveries.find({"message_id": message_id}, {"message": 0}):
            if str(doc.get("recipient", "")).lower() == recipient.lower():
                return doc
        return None

    async def mark_undeliverable(
        self,
        address: str,
        *,
        user_id: str | None,
        status: str,
        diagnostic: str,
        now: datetime,
    ) -> None:
        """Remember that ``address`` refuses mail for good."""
        await self.undeliverable.update_one(
            {"_id": address.lower()},
            {
                "$set": {
                    "user_id": user_id,
                    "status": status,
                    "diagnostic": diagnostic,
                    "bounced_at": now,
                }
            },
            upsert=True,
        )

    async def clear_undeliverable(
        self, addresses: Iterable[str], session: AsyncClientSession | None = None
    ) -> None:
        """Forget the bounces of these addresses (their owner moved to another one)."""
        wanted = [address.lower() for address in addresses if address]
        if wanted:
            await self.undeliverable.delete_many({"_id": {"$in": wanted}}, session=session)

    async def forget_undeliverable(self, address: str) -> UndeliverableAddress | None:
        """Write to ``address`` again (an admin says it works now); returns what it was."""
        doc = await self.undeliverable.find_one_and_delete({"_id": address.lower()})
        return None if doc is None else _undeliverable(doc)

    async def undeliverable_addresses(self) -> list[UndeliverableAddress]:
        """Every address that bounces, newest first."""
        found = self.undeliverable.find({}).sort("bounced_at", -1)
        return [_undeliverable(doc) async for doc in found]

    # queueing ------------------------------------------------------------------

    async def queue(self, deliveries: Sequence[Document], session: AsyncClientSession) -> None:
        """Insert new delivery records within the handler's transaction."""
        if deliveries:
            await self.deliveries.insert_many(list(deliveries), session=session)

    async def cancel_pending(
        self, user_id: str, *, reason: str, now: datetime, session: AsyncClientSession
    ) -> int:
        """Give up queued emails of a user who is gone; returns how many."""
        result = await self.deliveries.update_many(
            {"user_id": user_id, "status": Status.QUEUED.value},
            {
                "$set": {
                    "status": Status.FAILED.value,
                    "last_error": reason,
                    "updated_at": now,
                    "recipient": ERASED_ADDRESS,
                    "erased": True,
                },
                "$unset": {"message": "", "subject": "", "next_attempt_at": ""},
            },
            session=session,
        )
        return result.modified_count

    async def request_erasure(
        self, user_id: str, *, now: datetime, session: AsyncClientSession
    ) -> None:
        """Erase the user's address from the log once their last emails are done."""
        await self.erasures.update_one(
            {"_id": user_id}, {"$setOnInsert": {"requested_at": now}}, upsert=True, session=session
        )

    async def erasable_users(self) -> list[str]:
        """Deleted users whose last emails are all done: their records can be erased."""
        ready = []
        async for erasure in self.erasures.find({}, {"_id": 1}):
            pending = await self.deliveries.find_one(
                {
                    "user_id": erasure["_id"],
                    "status": {"$in": [status.value for status in PENDING]},
                },
                {"_id": 1},
            )
            if pending is None:
                ready.append(erasure["_id"])
        return ready

    async def erase_user(self, user_id: str, session: AsyncClientSession) -> bool:
        """Replace the user's address in the log by a placeholder and drop any message.

        Returns whether this call completed the erasure (False if another did it first).
        """
        await self.deliveries.update_many(
            {"user_id": user_id, "recipient": {"$ne": ERASED_ADDRESS}},
            {
                "$set": {"recipient": ERASED_ADDRESS, "erased": True},
                "$unset": {"message": "", "subject": ""},
            },
            session=session,
        )
        await self.preferences.delete_one({"_id": user_id}, session=session)
        await self.undeliverable.delete_many({"user_id": user_id}, session=session)
        done = await self.erasures.delete_one({"_id": user_id}, session=session)
        return done.deleted_count == 1

    async def personal_data(self, user_id: str) -> dict[str, Any]:
        """What the notifier holds about a user, for their export (never message bodies)."""
        contact = await self.contact(user_id)
        emails = [
            {
                "template": doc["template"],
                "subject": doc.get("subject"),
                "recipient": doc["recipient"],
                "status": doc["status"],
                "created_at": doc["created_at"].isoformat(),
                "sent_at": doc["sent_at"].isoformat() if doc.get("sent_at") else None,
            }
            async for doc in self.deliveries.find({"user_id": user_id}, {"message": 0}).sort(
                "created_at", 1
            )
        ]
        known = contact is not None and not contact.deleted
        declined = await self.declined_since(user_id)
        bounced = (
            await self.undeliverable.find_one({"_id": contact.email.lower()})
            if known and contact is not None and contact.email
            else None
        )
        return {
            "declined_emails": {kind: when.isoformat() for kind, when in declined.items()},
            "address_bounced_at": bounced["bounced_at"].isoformat() if bounced else None,
            "contact": (
                {"email": contact.email, "first_name": contact.first_name, "role": contact.role}
                if known and contact is not None
                else None
            ),
            "emails": emails,
        }

    async def purge_finished(self, now: datetime) -> int:
        """Delete the log lines whose retention ended; returns how many.

        The TTL index on ``purge_at`` sweeps them too, but only about once a minute and
        not on every store: the rule is applied here, the index is the safety net.
        """
        result = await self.deliveries.delete_many({"purge_at": {"$lte": now}})
        return result.deleted_count

    async def erasures_pending(self) -> int:
        """How many deleted users still wait for their records to be erased."""
        return await self.erasures.count_documents({})

    # the workers' side ---------------------------------------------------------

    async def claim_batch(
        self, *, now: datetime, size: int, lease: timedelta, claim: str
    ) -> list[Document]:
        """Take up to ``size`` due records (queued and due, or under an expired lease).

        Each record is counted as one more attempt as it is claimed.
        """
        # Two plain queries rather than one ``$or``: each rides an index, where an
        # ``$or`` makes the embedded store scan the whole log (sent records included).
        due_kinds: list[Document] = [
            {"status": Status.QUEUED.value, "next_attempt_at": {"$lte": now}},
            # A worker died while sending: its lease ran out, the record is due again.
            {"status": Status.SENDING.value, "lease_until": {"$lte": now}},
        ]
        claimed = 0
        candidates: list[str] = []
        for due in due_kinds:
            ids = [
                doc["_id"]
                async for doc in self.deliveries.find(due, {"_id": 1})
                .sort("next_attempt_at", 1)
                .limit(size - claimed)
            ]
            if not ids:
                continue
            candidates.extend(ids)
            # The filter is checked again per record: a record another worker took
            # between the find and this update is left to it.
            result = await self.deliveries.update_many(
                {"_id": {"$in": ids}, **due},
                {
                    "$set": {
                        "status": Status.SENDING.value,
                        "claim": claim,
                        "lease_until": now + lease,
                        "updated_at": now,
                    },
                    "$inc": {"attempts": 1},
                },
            )
            claimed += result.modified_count
            if claimed >= size:
                break
        if not claimed:
            return []
        # By key (no index on the claim: each one makes every write of a record dearer).
        taken = self.deliveries.find({"_id": {"$in": candidates}, "claim": claim})
        return sorted([doc async for doc in taken], key=_due_time)

    async def renew_leases(self, held: Mapping[str, Sequence[str]], *, until: datetime) -> None:
        """The heartbeat of a live worker: keep the records it holds (claim -> ids).

        Conditional on each record's claim: a record another worker took over, or
        already sent, is left as it is.
        """
        ids = [delivery_id for claimed in held.values() for delivery_id in claimed]
        if not ids:
            return
        await self.deliveries.update_many(
            {
                "_id": {"$in": ids},
                "claim": {"$in": list(held)},
                "status": Status.SENDING.value,
            },
            {"$set": {"lease_until": until}},
        )

    async def mark_sent(
        self, ids: Sequence[str], *, claim: str, now: datetime, purge_at: datetime
    ) -> None:
        """Accepted by the server: forget the message, keep the log line."""
        if not ids:
            return
        await self.deliveries.update_many(
            {"_id": {"$in": list(ids)}, "claim": claim},
            {
                "$set": {
                    "status": Status.SENT.value,
                    "sent_at": now,
                    "updated_at": now,
                    "purge_at": purge_at,
                },
                "$unset": {"message": "", "claim": "", "lease_until": "", "next_attempt_at": ""},
            },
        )

    async def keep_message_id(self, delivery_id: str, *, claim: str, message_id: str) -> str:
        """Store ``message_id`` on a record that has none; returns the one it keeps."""
        kept = await self.deliveries.find_one_and_update(
            {"_id": delivery_id, "claim": claim, "message_id": {"$in": [None, ""]}},
            {"$set": {"message_id": message_id}},
            projection={"message_id": 1},
            return_document=ReturnDocument.AFTER,
        )
        if kept is None:  # it had one already
            found = await self.deliveries.find_one({"_id": delivery_id}, {"message_id": 1})
            return str((found or {}).get("message_id") or message_id)
        return str(kept["message_id"])

    async def reschedule(
        self, delivery_id: str, *, claim: str, at: datetime, error: str, now: datetime
    ) -> None:
        """A temporary failure: try again at ``at``."""
        await self.deliveries.update_one(
            {"_id": delivery_id, "claim": claim},
            {
                "$set": {
                    "status": Status.QUEUED.value,
                    "next_attempt_at": at,
                    "last_error": error,
                    "updated_at": now,
                },
                "$unset": {"claim": "", "lease_until": ""},
            },
        )

    async def finish(
        self,
        delivery_id: str,
        *,
        claim: str,
        status: Status,
        error: str,
        now: datetime,
        purge_at: datetime,
    ) -> None:
        """Give up: ``failed`` (refused for good) or ``dead`` (too many tries)."""
        await self.deliveries.update_one(
            {"_id": delivery_id, "claim": claim},
            {
                "$set": {
                    "status": status.value,
                    "last_error": error,
                    "updated_at": now,
                    "purge_at": purge_at,
                },
                "$unset": {"claim": "", "lease_until": "", "next_attempt_at": ""},
            },
        )

    async def release(self, ids: Sequence[str], *, claim: str, now: datetime) -> None:
        """Hand back records a stopping worker did not try: not counted as an attempt."""
        if not ids:
            return
        await self.deliveries.update_many(
            {"_id": {"$in": list(ids)}, "claim": claim},
            {
                "$set": {"status": Status.QUEUED.value, "updated_at": now},
                "$unset": {"claim": "", "lease_until": ""},
                "$inc": {"attempts": -1},
            },
        )

    # the admin side ------------------------------------------------------------

    async def totals(self) -> dict[Status, int]:
        """How many records the log holds in each status (one indexed count each)."""
        return {
            status: await self.deliveries.count_documents({"status": status.value})
            for status in Status
        }

    async def log_page(
        self, status: Status | None, page: PageQuery, load: Callable[[Document], T]
    ) -> Page[T]:
        """One page of the delivery log, newest first, never the message itself."""
        query = {} if status is None else {"status": status.value}
        return await paginate(
            self.deliveries,
            query,
            sort=[("created_at", DESCENDING)],
            page=page,
            load=load,
            projection={"message": 0},
        )

    async def pending_counts(self) -> dict[Status, int]:
        """How many records wait to be sent, queued or being sent (indexed counts)."""
        return {
            status: await self.deliveries.count_documents({"status": status.value})
            for status in PENDING
        }

    async def get(self, delivery_id: str) -> Document | None:
        """One delivery record."""
        return await self.deliveries.find_one({"_id": delivery_id}, {"message": 0})

    async def requeue(self, delivery_id: str, *, now: datetime) -> Document | None:
        """Send a failed or dead record again with a fresh round of attempts.

        A queued record is simply made due now. Returns the record as it is now, or
        ``None`` when it is not in a state that can be retried.
        """
        return await self.deliveries.find_one_and_update(
            {
                "_id": delivery_id,
                "status": {"$in": [Status.FAILED.value, Status.DEAD.value, Status.QUEUED.value]},
                "message": {"$exists": True},
            },
            {
                "$set": {
                    "status": Status.QUEUED.value,
                    "attempts": 0,
                    "queued_at": now,
                    "next_attempt_at": now,
                    "updated_at": now,
                },
                "$unset": {"purge_at": ""},
            },
            projection={"message": 0},
            return_document=ReturnDocument.AFTER,
        )


def _due_time(record: Document) -> datetime:
    due: datetime = record.get("next_attempt_at") or record["created_at"]
    return due
