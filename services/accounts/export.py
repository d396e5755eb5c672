"""The person's data export across services (RGPD right of access).

``GET /me/export`` records an export request and publishes ``accounts.export.requested``
through the outbox; every other service answers ``<service>.export.prepared`` with its
part, which accounts' subscriptions store by request id. The request waits, polling
the database, until every part is there or ``ACCOUNTS_EXPORT_TIMEOUT_SECONDS`` passed.

A service that does not answer in time gives 504 ``export_incomplete`` naming it:
the person learns at once that the document would be partial (an export that leaves
data out would mislead them). The request stays open for a while
(``ACCOUNTS_EXPORT_REUSE_SECONDS``) and a new ``GET /me/export`` reuses it, so parts
that arrive late are not asked for again. Once delivered, the parts are deleted.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts import audit
from services.accounts.context import Accounts
from services.accounts.credentials import current_user
from services.accounts.errors import EXPORT_INCOMPLETE
from services.accounts.profile import shown
from services.accounts.shapes.privacy import AccountsPart, ExportDocument
from shared.contracts.accounts import ExportRequested
from shared.contracts.personal_data import ExportPrepared
from shared.http import Principal
from shared.mongo import Document
from shared.personal_data import ANSWERING_SERVICES

# How often a waiting export looks for new parts.
POLL_SECONDS = 0.05
# How the services are named to the person when one of them does not answer.
SERVICE_NAMES = {
    "agenda": "agenda des interventions",
    "messaging": "messagerie",
    "notifier": "envoi des e-mails",
}


async def export(accounts: Accounts, principal: Principal) -> ExportDocument:
    """GET /me/export: every service's part, or 504 naming the services that are missing."""
    user = await current_user(accounts, principal)
    request_id = await _open_request(accounts, user)
    parts = await _collect(accounts, request_id, accounts.options.export_timeout_seconds)
    missing = [service for service in ANSWERING_SERVICES if service not in parts]
    if missing:
        names = ", ".join(f"« {SERVICE_NAMES.get(service, service)} »" for service in missing)
        raise EXPORT_INCOMPLETE.error(
            f"L'export de vos données n'est pas complet : {names} n'a pas répondu à temps. "
            "Réessayez dans quelques minutes.",
            headers={"Retry-After": "60"},
            missing=missing,
        )
    document = ExportDocument(
        accounts=await accounts_part(accounts, user),
        agenda=parts["agenda"],
        messaging=parts["messaging"],
        notifier=parts["notifier"],
        generated_at=accounts.now(),
    )
    await _delivered(accounts, request_id)
    return document


async def _open_request(accounts: Accounts, user: Document) -> str:
    now = accounts.now()
    since = now - timedelta(seconds=accounts.options.export_reuse_seconds)
    waiting = await accounts.store.exports.latest_since(user["_id"], since)
    if waiting is not None:
        return str(waiting["_id"])
    request_id = accounts.new_id()

    async def work(session: AsyncClientSession) -> None:
        await accounts.store.exports.open(
            {"_id": request_id, "user_id": user["_id"], "created_at": now}, session
        )
        await accounts.ctx.outbox.add(
            ExportRequested(request_id=request_id, user_id=user["_id"], role=user["role"]),
            session,
            correlation_id=request_id,
        )

    await accounts.ctx.transaction(work)
    return request_id


async def _collect(accounts: Accounts, request_id: str, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        parts = {
            row["service"]: row["data"] for row in await accounts.store.exports.parts(request_id)
        }
        if all(service in parts for service in ANSWERING_SERVICES) or loop.time() >= deadline:
            return parts
        await asyncio.sleep(POLL_SECONDS)


async def _delivered(accounts: Accounts, request_id: str) -> None:
    # The parts hold personal data: once in the person's hands they are not kept.
    await accounts.store.exports.close(request_id)


async def store_part(accounts: Accounts, part: ExportPrepared, service: str) -> bool:
    """Keep a service's answer for its request; False when nobody waits for it any more."""
    request = await accounts.store.exports.request(part.request_id)
    if request is None or request["user_id"] != part.user_id:
        return False
    await accounts.store.exports.keep_part(
        {
            "_id": f"{part.request_id}:{service}",
            "request_id": part.request_id,
            "user_id": part.user_id,
            "service": service,
            "data": part.data,
            "received_at": accounts.now(),
        }
    )
    return True


async def accounts_part(accounts: Accounts, user: Document) -> AccountsPart:
    """Every personal datum accounts holds about the person."""
    acceptances = [
        {"version": row["version"], "accepted_at": row["accepted_at"].isoformat()}
        for row in await accounts.store.charter_acceptances.of_user(user["_id"])
    ]
    sessions = [
        {
            "created_at": row["created_at"].isoformat(),
            "last_used_at": row["last_used_at"].isoformat(),
            "revoked_at": row["revoked_at"].isoformat() if row.get("revoked_at") else None,
        }
        for row in await accounts.store.sessions.of_user(user["_id"])
    ]
    return AccountsPart(
        account=await shown(accounts, user),
        charter_acceptances=acceptances,
        sessions=sessions,
        reads_by_staff=await audit.reads_of(accounts, user["_id"]),
    )
