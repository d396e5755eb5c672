"""Partnership requests: an organisation asks to join, the programme's admins read it.

The request comes from someone without an account, so it is only kept (rate-limited
per address and per email), the admins told by email (``accounts.partnership.requested``)
and the request listed for them; they answer by email and register the organisation
(``POST /organizations`` naming the request) once the partnership charter is signed,
or close the request without one. A request is ``new`` until then, ``registered``
(with its organisation) or ``declined`` after; a declined one may be reopened. A
request holds a contact's name and address: it is kept for a year, then deleted.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.errors import (
    PARTNER_REQUEST_NOT_FOUND,
    PARTNER_REQUEST_REGISTERED,
    UNKNOWN_PARTNER_REQUEST,
)
from services.accounts.shapes.partners import (
    PartnerRequest,
    PartnerRequestIn,
    PartnerRequestStatus,
)
from shared.contracts.accounts import PartnershipRequested
from shared.http import ErrorKind, Page, PageQuery
from shared.mongo import Document


def _shown(row: Document) -> PartnerRequest:
    # A stored request holds every field of the one received (see ``receive``).
    return PartnerRequest.model_validate({**row, "id": row["_id"]})


async def receive(accounts: Accounts, body: PartnerRequestIn) -> str:
    """Keep a request for the admins, who are told by email; returns its id."""
    now = accounts.now()
    retention = timedelta(days=accounts.options.partner_request_retention_days)
    row: Document = {
        "_id": accounts.new_id(),
        **body.model_dump(mode="python"),
        "message": body.message.strip(),
        "status": "new",
        "created_at": now,
        "expires_at": now + retention,
    }

    async def work(session: AsyncClientSession) -> None:
        await accounts.store.partner_requests.insert(row, session)
        told = PartnershipRequested(
            request_id=row["_id"],
            organization_name=body.organization_name,
            sponsorship=body.sponsorship,
            admin_ids=await accounts.store.users.active_admin_ids(session),
        )
        await accounts.ctx.outbox.add(told, session)

    await accounts.ctx.transaction(work)
    return str(row["_id"])


async def listed(
    accounts: Accounts, status: PartnerRequestStatus | None, page: PageQuery
) -> Page[PartnerRequest]:
    """The requests still kept (those in ``status`` if given), newest first."""
    return await accounts.store.partner_requests.page_kept(accounts.now(), status, page, _shown)


async def get(accounts: Accounts, request_id: str) -> PartnerRequest:
    """One kept request (404 when unknown or past its year)."""
    row = await accounts.store.partner_requests.kept(request_id, accounts.now())
    if row is None:
        raise PARTNER_REQUEST_NOT_FOUND.error()
    return _shown(row)


async def decline(accounts: Accounts, request_id: str, admin_id: str) -> PartnerRequest:
    """Close a request without an organisation (one already declined: unchanged)."""
    return await _move(accounts, request_id, admin_id, "declined", ("new",))


async def reopen(accounts: Accounts, request_id: str, admin_id: str) -> PartnerRequest:
    """Put a declined request back among those to handle (a new one: unchanged)."""
    return await _move(accounts, request_id, admin_id, "new", ("declined",))


async def register(
    accounts: Accounts,
    request_id: str,
    organization_id: str,
    admin_id: str,
    session: AsyncClientSession,
) -> None:
    """The request became ``organization_id``, in the organisation's own transaction
    (422 when the request is gone, 409 when an organisation came from it already)."""
    await _move(
        accounts,
        request_id,
        admin_id,
        "registered",
        ("new", "declined"),
        more={"organization_id": organization_id},
        session=session,
        missing=UNKNOWN_PARTNER_REQUEST,
    )


async def _move(
    accounts: Accounts,
    request_id: str,
    admin_id: str,
    status: PartnerRequestStatus,
    from_statuses: tuple[PartnerRequestStatus, ...],
    *,
    more: Document | None = None,
    session: AsyncClientSession | None = None,
    missing: ErrorKind = PARTNER_REQUEST_NOT_FOUND,
) -> PartnerRequest:
    """Give the request ``status`` if it is in one of ``from_statuses``. A request
    already in ``status`` is answered as it is; once registered, it stays so (409)."""
    now = accounts.now()
    reopened = status == "new"
    fields: Document = {
        "status": status,
        "handled_at": None if reopened else now,
        "handled_by": None if reopened else admin_id,
        **(more or {}),
    }
    store = accounts.store.partner_requests
    row = await store.move(
        request_id, now, from_statuses=from_statuses, fields=fields, session=session
    )
    if row is None:
        row = await store.kept(request_id, now)
        if row is None:
            raise missing.error()
        if row["status"] == "registered":
            raise PARTNER_REQUEST_REGISTERED.error()
    return _shown(row)
