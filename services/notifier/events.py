"""What the notifier consumes: one subscription per event type, each idempotent.

A handler works out the event's emails (``domain``), finds each recipient's address,
renders the messages and queues their delivery records in the same transaction as
the record that the event was handled (``ServiceContext.once``): an event delivered
twice queues its emails once. Contact events also update the notifier's own copy of
users' contacts (event-carried state transfer from accounts).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.events import EmailChanged, UserActivated, UserDeleted, UserRegistered
from services.notifier.domain import Occurrence, OutgoingEmail, plan
from services.notifier.domain.emails import PLANNERS
from services.notifier.render import Recipient, Renderer
from services.notifier.store import Contact, NotifierStore, new_delivery
from shared.bus import Delivery, Subscription
from shared.events import Event
from shared.mongo import Document
from shared.runtime import ServiceContext

log = logging.getLogger("services.notifier.events")

SERVICE = "notifier"
HANDLER = "email"


class RecipientUnknownError(LookupError):
    """The event names a user the notifier has no contact for (yet): retried, then parked."""


class EmailHandler:
    """Turns each consumed event into queued deliveries."""

    def __init__(
        self,
        context: ServiceContext,
        store: NotifierStore,
        renderer: Renderer,
        queued: Callable[[], None],
    ) -> None:
        self._context = context
        self._store = store
        self._renderer = renderer
        self._queued = queued

    async def __call__(self, delivery: Delivery) -> None:
        """Handle one delivery of an event (at least once, maybe more)."""
        envelope, event = delivery.envelope, delivery.event
        settings = self._context.settings
        occurrence = Occurrence(
            event_id=str(envelope.id),
            occurred_at=envelope.occurred_at,
            public_url=settings.public_url,
            confirmation_ttl_seconds=settings.confirmation_ttl_seconds,
            reset_ttl_seconds=settings.reset_ttl_seconds,
        )
        emails = plan(event, occurrence)
        queued = 0

        async def effect(session: AsyncClientSession) -> None:
            nonlocal queued
            now = datetime.now(UTC)
            contacts = _Contacts(self._store, session)
            records = await self._render_all(emails, envelope.type, occurrence, now, contacts)
            if isinstance(event, UserDeleted):
                # Nothing more reaches a deleted user but the confirmation of the deletion.
                await self._store.cancel_pending(
                    event.user_id, reason="Compte supprimé avant l'envoi.", now=now, session=session
                )
                await self._store.request_erasure(event.user_id, now=now, session=session)
            await self._store.queue(records, session)
            await self._update_contact(event, envelope.occurred_at, contacts)
            queued = len(records)

        handled = await self._context.once(HANDLER, envelope.id, effect)
        if handled and queued:
            self._queued()
        log.info(
            "event handled" if handled else "event already handled",
            extra={**envelope.describe(), "emails_queued": queued if handled else 0},
        )

    async def _render_all(
        self,
        emails: Sequence[OutgoingEmail],
        event_type: str,
        occurrence: Occurrence,
        now: datetime,
        contacts: _Contacts,
    ) -> list[Document]:
        records = []
        for email in emails:
            recipient = await self._recipient(email, contacts)
            if recipient is None:
                continue
            rendered = self._renderer.render(email, recipient, now=now)
            records.append(
                new_delivery(
                    event_id=occurrence.event_id,
                    event_type=event_type,
                    template=rendered.template,
                    user_id=email.user_id,
                    recipient=rendered.recipient,
                    envelope_from=rendered.envelope_from,
                    message_id=rendered.message_id,
                    mime=rendered.mime,
                    erases_user=email.erases_user,
                    now=now,
                )
            )
        return records

    async def _recipient(self, email: OutgoingEmail, contacts: _Contacts) -> Recipient | None:
        contact = await contacts.get(email.user_id) if email.user_id else None
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

    async def _update_contact(self, event: Event, as_of: datetime, contacts: _Contacts) -> None:
        store, session = self._store, contacts.session
        if isinstance(event, UserRegistered | UserActivated | EmailChanged):
            email = event.new_email if isinstance(event, EmailChanged) else event.email
            role = None if isinstance(event, EmailChanged) else event.role
            await store.remember_contact(
                await contacts.get(event.user_id),
                event.user_id,
                email=email,
                first_name=event.first_name,
                role=role,
                as_of=as_of,
                session=session,
            )
        elif isinstance(event, UserDeleted):
            await store.forget_contact(event.user_id, as_of=as_of, session=session)


class _Contacts:
    """The contacts one transaction reads, each read once."""

    def __init__(self, store: NotifierStore, session: AsyncClientSession) -> None:
        self._store = store
        self.session = session
        self._known: dict[str, Contact | None] = {}

    async def get(self, user_id: str) -> Contact | None:
        if user_id not in self._known:
            self._known[user_id] = await self._store.contact(user_id, self.session)
        return self._known[user_id]


def subscriptions(
    context: ServiceContext,
    store: NotifierStore,
    renderer: Renderer,
    queued: Callable[[], None],
) -> list[Subscription]:
    """One subscription (its own durable queue) per event type the notifier mails about."""
    handler = EmailHandler(context, store, renderer, queued)
    return [
        Subscription(service=SERVICE, name=HANDLER, event=event_type, handler=handler)
        for event_type in PLANNERS
    ]
