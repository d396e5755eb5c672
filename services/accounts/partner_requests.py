"""Partnership requests: an organisation asks to join, the programme's admins read it.

The request comes from someone without an account, so it is only kept (rate-limited
per address and per email), the admins told by email (``accounts.partnership.requested``)
and the request listed for them; they answer by email and register the organisation
(``POST /organizations``) once the partnership charter is signed. A
request holds a contact's name and address: it is kept for a year, then deleted.
"""

from __future__ import annotations

from datetime import timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.shapes.partners import PartnerRequest, PartnerRequestIn
from shared.contracts.accounts import PartnershipRequested
from shared.http import Page, PageQuery
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


async def listed(accounts: Accounts, page: PageQuery) -> Page[PartnerRequest]:
    """The requests still kept, newest first."""
    return await accounts.store.partner_requests.page_kept(accounts.now(), page, _shown)
