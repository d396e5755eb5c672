"""Admin HTTP routes: the delivery log and sending a failed email again."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from pymongo import DESCENDING

from services.notifier import audit
from services.notifier.errors import (
    DELIVERY_ALREADY_SENT,
    DELIVERY_ERASED,
    DELIVERY_IN_PROGRESS,
    DELIVERY_NOT_FOUND,
)
from services.notifier.store import NotifierStore, Status
from shared.http import Call, Page, PageQuery, Roles, Router, paginate
from shared.mongo import Document
from shared.runtime import SERVICE_CONTEXT

log = logging.getLogger("services.notifier.api")

ADMIN = Roles("admin")


class DeliveryQuery(PageQuery):
    """Filters of the delivery log."""

    status: Status | None = Field(None, description="Seulement les envois dans cet état.")


class DeliveryView(BaseModel):
    """One line of the delivery log (never the message itself)."""

    id: str
    recipient: str
    user_id: str | None
    template: str
    event_id: str
    event_type: str
    status: Status
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @classmethod
    def of(cls, document: Document) -> DeliveryView:
        """The view of a stored record."""
        return cls(
            id=document["_id"],
            recipient=document["recipient"],
            user_id=document.get("user_id"),
            template=document["template"],
            event_id=document["event_id"],
            event_type=document["event_type"],
            status=Status(document["status"]),
            attempts=document["attempts"],
            last_error=document.get("last_error"),
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            next_attempt_at=document.get("next_attempt_at"),
            sent_at=document.get("sent_at"),
        )


class DeliveryTotals(BaseModel):
    """How many deliveries the log holds, by status."""

    queued: int = Field(description="En attente d'un (nouvel) essai.")
    sending: int = Field(description="En cours d'envoi.")
    sent: int = Field(description="Acceptés par le serveur SMTP.")
    failed: int = Field(description="Refusés définitivement.")
    dead: int = Field(description="Abandonnés après des échecs temporaires répétés.")
    total: int


def build_router(store: NotifierStore, queued: Callable[[], None]) -> Router:
    """The notifier's routes, served under ``/api/notifier``."""
    router = Router("notifier", title="Notifier", version="1")

    @router.get(
        "/deliveries",
        summary="Journal des e-mails envoyés ou à envoyer, du plus récent au plus ancien",
        query=DeliveryQuery,
        response=Page[DeliveryView],
        auth=ADMIN,
    )
    async def list_deliveries(call: Call[None, DeliveryQuery]) -> Page[DeliveryView]:
        query = {} if call.query.status is None else {"status": call.query.status.value}
        page = await paginate(
            store.deliveries,
            query,
            sort=[("created_at", DESCENDING)],
            page=call.query,
            load=DeliveryView.of,
            projection={"message": 0},
        )
        await audit.record_reads(
            call.request.app[SERVICE_CONTEXT],
            call.user,
            audit.DELIVERIES_LISTED,
            audit.in_deliveries(page.items),
        )
        return page

    @router.get(
        "/deliveries/totals",
        summary="Nombre d'envois du journal par état",
        response=DeliveryTotals,
        auth=ADMIN,
    )
    async def delivery_totals(call: Call[None, None]) -> DeliveryTotals:
        totals = {status.value: count for status, count in (await store.totals()).items()}
        return DeliveryTotals(**totals, total=sum(totals.values()))

    @router.post(
        "/deliveries/{delivery_id}/retry",
        summary="Renvoyer un e-mail en échec (failed ou dead)",
        response=DeliveryView,
        status=202,
        auth=ADMIN,
        errors=[DELIVERY_NOT_FOUND, DELIVERY_ALREADY_SENT, DELIVERY_IN_PROGRESS, DELIVERY_ERASED],
    )
    async def retry_delivery(call: Call[None, None]) -> DeliveryView:
        delivery_id = call.path("delivery_id")
        current = await store.get(delivery_id)
        if current is None:
            raise DELIVERY_NOT_FOUND.error()
        if current["status"] == Status.SENT:
            raise DELIVERY_ALREADY_SENT.error()
        if current.get("erased"):
            raise DELIVERY_ERASED.error()
        if current["status"] == Status.SENDING:
            raise DELIVERY_IN_PROGRESS.error()
        requeued = await store.requeue(delivery_id, now=datetime.now(UTC))
        if requeued is None:
            # Its state changed between the two reads (a worker took it meanwhile).
            raise DELIVERY_IN_PROGRESS.error()
        queued()
        log.info(
            "delivery queued again by an admin",
            extra={"delivery_id": delivery_id, "admin_id": call.user.user_id},
        )
        shown = DeliveryView.of(requeued)
        await audit.record_reads(
            call.request.app[SERVICE_CONTEXT],
            call.user,
            audit.DELIVERY_RETRIED,
            audit.in_deliveries([shown]),
        )
        return shown

    return router
