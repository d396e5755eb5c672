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
from shared.bus import Delivery, Subscription
from shared.contracts.personal_data import ExportPrepared, PersonalDataRead, UserErased
from shared.events import Envelope
from shared.handlers import Effect, typed
from shared.personal_data import ANSWERING_SERVICES

log = logging.getLogger("services.accounts.subscriptions")

SERVICE = "accounts"


def subscriptions(accounts: Accounts) -> Sequence[Subscription]:
    """Accounts' handlers; erasures and reads each take effect once per event."""
    ctx = accounts.ctx

    def keep_part(service: str) -> Callable[[Delivery], Awaitable[None]]:
        async def handle(delivery: Delivery) -> None:
            part = typed(delivery, ExportPrepared)
            # Storing by (request, service) is idempotent: no handled-event record needed.
            if not await export.store_part(accounts, part, service):
                log.info(
                    "export part for a request nobody waits for",
                    extra={**delivery.envelope.describe(), "service": service},
                )

        return handle

    def confirm_erasure(service: str) -> Effect[UserErased]:
        async def effect(
            event: UserErased, envelope: Envelope, session: AsyncClientSession
        ) -> None:
            await erasure.confirmed(accounts, event.user_id, service, envelope.occurred_at, session)

        return effect

    async def complete_erasure(event: UserErased, envelope: Envelope) -> None:
        if await erasure.complete_if_confirmed(accounts, event.user_id):
            log.info("erasure complete in every service", extra={"user_id": event.user_id})

    async def log_reads(
        event: PersonalDataRead, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        await audit.record_reported(accounts, event, session)

    # Every answering service sends the same answers under its own types: one
    # subscription (one queue) per type, read with the shared model.
    return [
        subscription
        for service in ANSWERING_SERVICES
        for subscription in (
            Subscription(
                SERVICE,
                f"export_part_{service}",
                ExportPrepared,
                keep_part(service),
                event_type=f"{service}.export.prepared",
            ),
            ctx.on(
                UserErased,
                f"erasure_{service}",
                confirm_erasure(service),
                event_type=f"{service}.user.erased",
                after=complete_erasure,
            ),
            ctx.on(
                PersonalDataRead,
                f"audit_{service}",
                log_reads,
                event_type=f"{service}.personal_data.read",
            ),
        )
    ]
