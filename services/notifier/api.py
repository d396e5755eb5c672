"""HTTP routes: the delivery log and its retry (admins), the addresses that bounce
(admins), each person's choice of emails, and the one-click unsubscribe."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from pydantic import Field

from services.notifier import audit
from services.notifier.domain.choices import KINDS
from services.notifier.errors import (
    ADDRESS_NOT_UNDELIVERABLE,
    DELIVERY_ALREADY_SENT,
    DELIVERY_ERASED,
    DELIVERY_IN_PROGRESS,
    DELIVERY_NOT_FOUND,
    UNKNOWN_EMAIL_KIND,
    UNSUBSCRIBE_LINK_INVALID,
)
from services.notifier.my_emails import my_emails
from services.notifier.shapes import (
    DeliveryTotals,
    DeliveryView,
    MyEmails,
    UndeliverableView,
    UnsubscribeView,
)
from services.notifier.store import NotifierStore, Status
from services.notifier.unsubscribe import UnsubscribeLinks
from shared.http import Authenticated, Call, Page, PageQuery, Roles, Router, StrictBody
from shared.runtime import SERVICE_CONTEXT

log = logging.getLogger("services.notifier.api")

ADMIN = Roles("admin")


class DeliveryQuery(PageQuery):
    """Filters of the delivery log."""

    status: Status | None = Field(None, description="Seulement les envois dans cet état.")


class EmailChoices(StrictBody):
    """The kinds to receive (true) or decline (false); kinds left out keep their choice."""

    wanted: dict[str, bool]


class UnsubscribeBody(StrictBody):
    """The token of a ``List-Unsubscribe`` link."""

    token: str = Field(min_length=1, max_length=500)


def build_router(
    store: NotifierStore, queued: Callable[[], None], links: UnsubscribeLinks
) -> Router:
    """The notifier's routes, served under ``/api/notifier``."""
    router = Router("notifier", title="Notifier", version="1")
    add_my_email_routes(router, store, links)
    add_delivery_log_routes(router, store, queued)
    return router


def add_my_email_routes(router: Router, store: NotifierStore, links: UnsubscribeLinks) -> None:
    """The emails a person chooses to receive, by their settings or an unsubscribe link."""

    @router.get(
        "/me/emails",
        summary="Mes notifications : les e-mails que je peux refuser, et l'état de mon adresse",
        auth=Authenticated(),
    )
    async def get_my_emails(call: Call[None, None]) -> MyEmails:
        return await my_emails(store, call.user.user_id)

    @router.put(
        "/me/emails",
        summary="Choisir les e-mails que je reçois",
        auth=Authenticated(),
        errors=[UNKNOWN_EMAIL_KIND],
    )
    async def put_my_emails(call: Call[EmailChoices, None]) -> MyEmails:
        if set(call.body.wanted) - set(KINDS):
            raise UNKNOWN_EMAIL_KIND.error()
        now = datetime.now(UTC)
        for kind, wanted in call.body.wanted.items():
            await store.set_preference(call.user.user_id, kind, wanted=wanted, now=now)
        return await my_emails(store, call.user.user_id)

    @router.get(
        "/unsubscriptions/{token}",
        summary="Le type d'e-mail qu'un lien de désabonnement refuse (ne change rien)",
        errors=[UNSUBSCRIBE_LINK_INVALID],
    )
    async def read_unsubscription(call: Call[None, None]) -> UnsubscribeView:
        found = await links.read(call.path("token"))
        if found is None:
            raise UNSUBSCRIBE_LINK_INVALID.error()
        return UnsubscribeView(kind=found.kind, label=KINDS[found.kind].label)

    @router.post(
        "/unsubscriptions",
        summary="Se désabonner d'un type d'e-mail avec le jeton d'un lien (RFC 8058, sans session)",
        description=(
            "Le jeton signé désigne la personne et le type d'e-mail : il suffit comme preuve. "
            "Répéter l'appel ne change rien de plus."
        ),
        errors=[UNSUBSCRIBE_LINK_INVALID],
    )
    async def unsubscribe(call: Call[UnsubscribeBody, None]) -> UnsubscribeView:
        found = await links.read(call.body.token)
        if found is None:
            raise UNSUBSCRIBE_LINK_INVALID.error()
        await store.set_preference(found.user_id, found.kind, wanted=False, now=datetime.now(UTC))
        log.info("unsubscribed by link", extra={"user_id": found.user_id, "kind": found.kind})
        return UnsubscribeView(kind=found.kind, label=KINDS[found.kind].label)


def add_delivery_log_routes(
    router: Router, store: NotifierStore, queued: Callable[[], None]
) -> None:
    """The administrators' view of the email log: failed deliveries, blocked addresses."""

    @router.get(
        "/undeliverable",
        summary="Adresses qui refusent les e-mails (non-remise définitive), les plus récentes "
        "d'abord",
        auth=ADMIN,
    )
    async def list_undeliverable(call: Call[None, None]) -> list[UndeliverableView]:
        shown = [UndeliverableView.of(found) for found in await store.undeliverable_addresses()]
        await audit.record_reads(
            call.request.app[SERVICE_CONTEXT],
            call.user,
            audit.UNDELIVERABLE_LISTED,
            [view.user_id for view in shown],
        )
        return shown

    @router.get(
        "/deliveries",
        summary="Journal des e-mails envoyés ou à envoyer, du plus récent au plus ancien",
        auth=ADMIN,
    )
    async def list_deliveries(call: Call[None, DeliveryQuery]) -> Page[DeliveryView]:
        page = await store.log_page(call.query.status, call.query, DeliveryView.of)
        await audit.record_reads(
            call.request.app[SERVICE_CONTEXT],
            call.user,
            audit.DELIVERIES_LISTED,
            audit.in_deliveries(page.items),
        )
        return page

    @router.get("/deliveries/totals", summary="Nombre d'envois du journal par état", auth=ADMIN)
    async def delivery_totals(call: Call[None, None]) -> DeliveryTotals:
        totals = {status.value: count for status, count in (await store.totals()).items()}
        return DeliveryTotals(**totals, total=sum(totals.values()))

    @router.post(
        "/deliveries/{delivery_id}/retry",
        summary="Renvoyer un e-mail en échec (failed ou dead)",
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

    @router.delete(
        "/undeliverable/{address}",
        summary="Écrire de nouveau à une adresse bloquée (la personne dit l'avoir réparée)",
        auth=ADMIN,
        errors=[ADDRESS_NOT_UNDELIVERABLE],
    )
    async def forget_undeliverable(call: Call[None, None]) -> None:
        forgotten = await store.forget_undeliverable(call.path("address"))
        if forgotten is None:
            raise ADDRESS_NOT_UNDELIVERABLE.error()
        log.info(
            "undeliverable address cleared by an admin",
            extra={"user_id": forgotten.user_id, "admin_id": call.user.user_id},
        )
