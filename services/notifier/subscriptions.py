"""What the notifier consumes: one subscription per event type, each idempotent.

A handler works out the event's emails (``domain``), finds each recipient's address,
renders the messages and queues their delivery records in the same transaction as
the record that the event was handled: an event delivered twice queues its emails
once. Contact events also update the notifier's own copy of users' contacts
(event-carried state transfer from accounts).

Group commit (``shared.batches``): events delivered while a transaction is being
written wait for it and then go together in the next one, so a burst costs a few
transactions instead of one per event (the embedded store does a few hundred
transactions per second). The handled-event records are those of
``shared.idempotency`` (same collection, same keys); should another replica have
handled one of a group's events meanwhile, the group's transaction fails on that
record and its events are written again one by one, where the one already handled is
acknowledged without emails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from services.notifier.domain import Occurrence, OutgoingEmail, plan
from services.notifier.domain.choices import declinable_kind
from services.notifier.domain.emails import PLANNERS
from services.notifier.render import Recipient, Renderer
from services.notifier.store import (
    Contact,
    NotifierStore,
    SkipReason,
    Status,
    new_delivery,
    skipped_delivery,
)
from services.notifier.unsubscribe import UnsubscribeLinks
from services.notifier.worker import DeliveryWorker
from shared import idempotency
from shared.batches import Batches
from shared.bus import Delivery, Subscription
from shared.contracts.accounts import (
    EmailChanged,
    ExportRequested,
    UserActivated,
    UserDeleted,
    UserRegistered,
)
from shared.contracts.notifier import NotifierExportPrepared, NotifierUserErased
from shared.events import Envelope, Event
from shared.mongo import Document, in_transaction
from shared.personal_data import export_answers
from shared.runtime import ServiceContext
from shared.tracing import current_carrier

__all__ = ["HANDLER", "SERVICE", "NotifierExportPrepared", "NotifierUserErased", "subscriptions"]

log = logging.getLogger("services.notifier.subscriptions")

SERVICE = "notifier"
HANDLER = "email"
# The subscription answering accounts' export requests (its queue and its records).
EXPORT_HANDLER = "export"
# Events written by one transaction at most.
GROUP_LIMIT = 100
# Messages in hand per subscription: a group being written while the next one gathers.
IN_FLIGHT = 2 * GROUP_LIMIT
# How long a new group waits for the messages that arrive together (the broker sends
# them within milliseconds of the acks that freed their slots).
GROUP_LINGER_SECONDS = 0.01


class RecipientUnknownError(LookupError):
    """The event names a user the notifier has no contact for (yet): retried, then parked."""


@dataclass
class _Job:
    """One delivery of an event, waiting for its group's transaction."""

    envelope: Envelope
    event: Event
    occurrence: Occurrence
    emails: list[OutgoingEmail]
    # The handler's span, kept on the delivery records: their sending goes on its trace.
    trace: dict[str, str] = field(default_factory=current_carrier)

    @property
    def key(self) -> str:
        # The key of shared.idempotency.HandledEvents: other replicas' records are seen.
        return idempotency.handled_key(HANDLER, self.envelope.id)


# What writing one job gives: the emails queued, None when the event had been handled
# before, or the error that makes this event wait for its retry (the others go on).
_Outcome = int | BaseException | None


class _Contacts:
    """The contacts one transaction reads and changes, each read once, written once."""

    def __init__(self, known: dict[str, Contact]) -> None:
        self._known = known
        self.changed: dict[str, Contact] = {}

    def get(self, user_id: str) -> Contact | None:
        return self._known.get(user_id)

    def addresses(self) -> list[str]:
        return [contact.email for contact in self._known.values() if contact.email]

    def learn(self, contact: Contact) -> None:
        known = self._known.get(contact.user_id)
        if known is None or known.replaced_by(contact):
            self._known[contact.user_id] = self.changed[contact.user_id] = contact


@dataclass(frozen=True)
class _Gate:
    """What stops an email before it is queued: a declined kind, an address that bounces."""

    declined: dict[str, set[str]]
    undeliverable: set[str]
    purge_at: datetime

    def reason(self, email: OutgoingEmail, address: str) -> SkipReason | None:
        if address.lower() in self.undeliverable:
            return SkipReason.UNDELIVERABLE
        kind = declinable_kind(email.template)
        if kind and email.user_id and kind.code in self.declined.get(email.user_id, set()):
            return SkipReason.PREFERENCE
        return None


class EmailHandler:
    """Turns each consumed event into queued deliveries."""

    def __init__(
        self,
        context: ServiceContext,
        store: NotifierStore,
        renderer: Renderer,
        worker: DeliveryWorker,
        *,
        links: UnsubscribeLinks,
        log_retention: timedelta,
    ) -> None:
        self._context = context
        self._store = store
        self._renderer = renderer
        self._worker = worker
        self._links = links
        self._log_retention = log_retention
        self._intake: Batches[_Job, _Outcome] = Batches(
            self._write_group, limit=GROUP_LIMIT, linger_seconds=GROUP_LINGER_SECONDS
        )

    async def __call__(self, delivery: Delivery) -> None:
        """Handle one delivery of an event (at least once, maybe more)."""
        envelope, event = delivery.envelope, delivery.event
        settings = self._context.settings
        await self._links.ready()
        occurrence = Occurrence(
            event_id=str(envelope.id),
            occurred_at=envelope.occurred_at,
            public_url=settings.public_url,
            confirmation_ttl_seconds=settings.confirmation_ttl_seconds,
            reset_ttl_seconds=settings.reset_ttl_seconds,
        )
        queued = await self._intake.submit(
            _Job(envelope, event, occurrence, plan(event, occurrence))
        )
        if isinstance(queued, BaseException):
            raise queued
        log.info(
            "event handled" if queued is not None else "event already handled",
            extra={**envelope.describe(), "emails_queued": queued or 0},
        )

    async def _write_group(self, group: list[_Job]) -> list[_Outcome]:
        written: list[Document] = []

        async def effect(session: AsyncClientSession) -> list[_Outcome]:
            written.clear()  # a retried transaction starts over
            return await self._group_effect(group, session, written)

        # Should the transaction fail (another replica marked one of these events
        # meanwhile: a duplicate key), shared.batches writes the events again one by
        # one, and the one found handled then is acknowledged without emails.
        outcomes = await in_transaction(self._context.platform.mongo, effect)
        # Committed, and claimed by this process: the worker sends them straight away.
        self._worker.hand_over(written)
        return outcomes

    async def _group_effect(
        self, group: list[_Job], session: AsyncClientSession, written: list[Document]
    ) -> list[_Outcome]:
        # May run more than once (a transaction retried): it only writes via ``session``.
        now = datetime.now(UTC)
        claimed = self._worker.claim_fields(now)
        keys = [job.key for job in group]
        handled = await self._store.handled_among(keys, session)
        contacts = _Contacts(await self._store.contacts(_user_ids(group), session))
        gate = await self._gate(group, contacts, now, session)
        outcomes: list[_Outcome] = []
        marks: list[str] = []
        records: list[Document] = []
        for job in group:
            if job.key in handled:
                outcomes.append(None)
                continue
            try:
                job_records = self._render(job, contacts, gate, now)
            except Exception as error:  # this event waits for its retry, the others go on
                outcomes.append(error)
                continue
            handled.add(job.key)
            marks.append(job.key)
            records.extend(job_records)
            await self._apply_contact_change(job, contacts, now, session)
            outcomes.append(len(_to_send(job_records)))
        if marks:
            await self._store.mark_handled(marks, now=now, session=session)
        to_send = _to_send(records)
        for record in to_send:
            record.update(claimed)
        await self._store.queue(records, session)
        written.extend(to_send)
        await self._store.save_contacts(contacts.changed.values(), session)
        return outcomes

    async def _gate(
        self, group: list[_Job], contacts: _Contacts, now: datetime, session: AsyncClientSession
    ) -> _Gate:
        addresses = [e.address for job in group for e in job.emails if e.address]
        return _Gate(
            declined=await self._store.declined(_user_ids(group), session),
            undeliverable=await self._store.undeliverable_among(
                [*addresses, *contacts.addresses()], session
            ),
            purge_at=now + self._log_retention,
        )

    def _render(self, job: _Job, contacts: _Contacts, gate: _Gate, now: datetime) -> list[Document]:
        records = []
        for email in job.emails:
            recipient = self._recipient(email, contacts)
            if recipient is None:
                continue
            skipped = gate.reason(email, recipient.address)
            if skipped is not None:
                log.info(
                    "email not sent",
                    extra={"template": email.template, "user_id": email.user_id, "why": skipped},
                )
                records.append(
                    skipped_delivery(
                        event_id=job.occurrence.event_id,
                        event_type=job.envelope.type,
                        template=email.template,
                        user_id=email.user_id,
                        recipient=recipient.address,
                        reason=skipped,
                        now=now,
                        purge_at=gate.purge_at,
                    )
                )
                continue
            rendered = self._renderer.render(email, recipient, now=now)
            records.append(
                new_delivery(
                    rendered,
                    event_id=job.occurrence.event_id,
                    event_type=job.envelope.type,
                    user_id=email.user_id,
                    erases_user=email.erases_user,
                    now=now,
                    trace=job.trace,
                )
            )
        return records

    @staticmethod
    def _recipient(email: OutgoingEmail, contacts: _Contacts) -> Recipient | None:
        contact = contacts.get(email.user_id) if email.user_id else None
        if contact is not None and contact.deleted and not email.erases_user:
            # A late event about a deleted user: nobody to write to any more.
            log.info(
                "email not sent: the recipient deleted their account",
                extra={"template": email.template, "user_id": email.user_id},
            )
            return None
        if email.address is not None:
            return Recipient(email.address, email.first_name)
        if contact is None or not contact.email:
            raise RecipientUnknownError(f"no contact yet for user {email.user_id}")
        return Recipient(contact.email, contact.first_name)

    async def _apply_contact_change(
        self, job: _Job, contacts: _Contacts, now: datetime, session: AsyncClientSession
    ) -> None:
        event, as_of = job.event, job.envelope.occurred_at
        if isinstance(event, UserRegistered | UserActivated):
            contacts.learn(Contact(event.user_id, event.email, event.first_name, event.role, as_of))
        elif isinstance(event, EmailChanged):
            known = contacts.get(event.user_id)
            role = known.role if known else None
            contacts.learn(Contact(event.user_id, event.new_email, event.first_name, role, as_of))
            # A new address starts with a clean record: the old one's bounces are over.
            await self._store.clear_undeliverable([event.old_email], session)
        elif isinstance(event, UserDeleted):
            contacts.learn(Contact(event.user_id, None, None, None, as_of, deleted=True))
            # Nothing more reaches a deleted user but the confirmation of the deletion.
            await self._store.cancel_pending(
                event.user_id, reason="Compte supprimé avant l'envoi.", now=now, session=session
            )
            await self._store.request_erasure(event.user_id, now=now, session=session)


def _to_send(records: list[Document]) -> list[Document]:
    return [record for record in records if record["status"] == Status.QUEUED.value]


def _user_ids(group: Iterable[_Job]) -> list[str]:
    ids: list[str] = []
    for job in group:
        ids.extend(email.user_id for email in job.emails if email.user_id)
        user_id = getattr(job.event, "user_id", None)
        if isinstance(user_id, str):
            ids.append(user_id)
    return ids


async def complete_erasures(context: ServiceContext, store: NotifierStore) -> int:
    """Erase deleted users whose last emails are done, and tell accounts (via the outbox)."""
    erased = 0
    for user_id in await store.erasable_users():

        async def erase(session: AsyncClientSession, user_id: str = user_id) -> bool:
            if not await store.erase_user(user_id, session):
                return False  # another replica did it
            await context.outbox.add(NotifierUserErased(user_id=user_id, service=SERVICE), session)
            return True

        erased += await context.transaction(erase)
    return erased


def consumed() -> list[tuple[type[Event], str]]:
    """Each event type the notifier consumes, with its subscription's name."""
    return [*((event, HANDLER) for event in PLANNERS), (ExportRequested, EXPORT_HANDLER)]


def subscriptions(
    context: ServiceContext, store: NotifierStore, intake: EmailHandler
) -> list[Subscription]:
    """One subscription (its own durable queue) per event type the notifier consumes:
    ``intake`` for every one but the export requests."""
    return [
        *(Subscription(SERVICE, HANDLER, event, intake, prefetch=IN_FLIGHT) for event in PLANNERS),
        export_answers(context, EXPORT_HANDLER, NotifierExportPrepared, store.personal_data),
    ]
