"""What accounts consumes: the other services' answers about personal data.

- ``<service>.export.prepared``: a service's part of an export, kept by request id
  until the waiting ``GET /me/export`` collects it (see ``export``);
- ``<service>.user.erased``: a service erased a deleted account; the erasure record
  notes it and completes once every service did (see ``erasure``);
- ``<service>.personal_data.read``: a service showed a referent or an admin people's
  data; the audit log gets an entry per person (see ``audit``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts import audit, erasure, export
from services.accounts.context import Accounts
from services.agenda.events import AgendaExportPrepared, AgendaPersonalDataRead, AgendaUserErased
from services.messaging.events import (
    MessagingExportPrepared,
    MessagingPersonalDataRead,
    MessagingUserErased,
)
from services.notifier.published import (
    NotifierExportPrepared,
    NotifierPersonalDataRead,
    NotifierUserErased,
)
from shared.bus import Delivery, Subscription
from shared.personal_data import ExportPrepared, PersonalDataRead, UserErased

log = logging.getLogger("services.accounts.subscriptions")

SERVICE = "accounts"

# Each answering service's events, by the service's name.
EXPORT_PARTS: dict[str, type[ExportPrepared]] = {
    "agenda": AgendaExportPrepared,
    "messaging": MessagingExportPrepared,
    "notifier": NotifierExportPrepared,
}
ERASURES: dict[str, type[UserErased]] = {
    "agenda": AgendaUserErased,
    "messaging": MessagingUserErased,
    "notifier": NotifierUserErased,
}
# The services that report reads of people's data for the audit log.
READS: dict[str, type[PersonalDataRead]] = {
    "agenda": AgendaPersonalDataRead,
    "messaging": MessagingPersonalDataRead,
    "notifier": NotifierPersonalDataRead,
}


def subscriptions(accounts: Callable[[], Accounts]) -> Sequence[Subscription]:
    """Accounts' handlers (``accounts`` gives the service's resources once wired)."""

    def keep_part(service: str) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            part = delivery.event
            assert isinstance(part, ExportPrepared)
            # Storing by (request, service) is idempotent: no handled-event record needed.
            if not await export.store_part(accounts(), part, service):
                log.info(
                    "export part for a request nobody waits for",
                    extra={**delivery.envelope.describe(), "service": service},
                )

        return handle

    def note_erasure(service: str) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            event = delivery.event
            assert isinstance(event, UserErased)
            resources = accounts()

            async def effect(session: AsyncClientSession) -> None:
                await erasure.confirmed(
                    resources, event.user_id, service, delivery.envelope.occurred_at, session
                )

            await resources.ctx.once(f"erased_{service}", delivery.envelope.id, effect)
            if await erasure.complete_if_confirmed(resources, event.user_id):
                log.info("erasure complete in every service", extra={"user_id": event.user_id})

        return handle

    def log_reads(service: str) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            event = delivery.event
            assert isinstance(event, PersonalDataRead)
            resources = accounts()

            async def effect(session: AsyncClientSession) -> None:
                await audit.record_reported(resources, event, session)

            await resources.ctx.once(f"reads_{service}", delivery.envelope.id, effect)

        return handle

    return [
        *(
            Subscription(SERVICE, f"export_part_{service}", event, keep_part(service))
            for service, event in EXPORT_PARTS.items()
        ),
        *(
            Subscription(SERVICE, f"erasure_{service}", event, note_erasure(service))
            for service, event in ERASURES.items()
        ),
        *(
            Subscription(SERVICE, f"audit_{service}", event, log_reads(service))
            for service, event in READS.items()
        ),
    ]
