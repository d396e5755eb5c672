"""Partner organizations: partnership charter, skills-sponsorship convention, contacts.

Every creation or change publishes ``accounts.organization.changed`` with the full
state through the outbox (agenda keeps its copy for the partner reports). A partner
contact is an account with the ``partner`` role attached to one organization.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from services.accounts import partner_requests
from services.accounts.context import Accounts
from services.accounts.domain.passwords import fold
from services.accounts.errors import ORGANIZATION_NOT_FOUND, SIRET_TAKEN
from services.accounts.joining import create_partner_contact
from services.accounts.shapes.partners import (
    Organization,
    OrganizationIn,
    OrganizationSummary,
    OrganizationUpdate,
    PartnerContactIn,
)
from shared.contracts.accounts import OrganizationChanged
from shared.http import Page, PageQuery
from shared.mongo import Document


def organization(row: Document) -> Organization:
    """The API view of a stored organization (read by field name, the id from ``_id``)."""
    return Organization.model_validate({**row, "id": row["_id"]})


def changed_event(row: Document) -> OrganizationChanged:
    """The full public state of an organization, for the services that copy it (read by
    field name, as the API view)."""
    return OrganizationChanged.model_validate({**row, "organization_id": row["_id"]})


async def create(accounts: Accounts, body: OrganizationIn, author: str) -> Organization:
    """Register a partner organization (409 when the SIRET is already known), and mark
    the partnership request it came from, if named, as registered."""
    row: Document = {
        "_id": accounts.new_id(),
        **body.model_dump(mode="python", exclude={"partner_request_id"}),
        "name_key": fold(body.name),
        "created_at": accounts.now(),
        "created_by": author,
    }
    if row.get("siret") is None:
        row.pop("siret", None)  # the unique index only covers given SIRETs

    async def work(session: AsyncClientSession) -> None:
        await accounts.store.organizations.insert(row, session)
        if body.partner_request_id is not None:
            await partner_requests.register(
                accounts, body.partner_request_id, row["_id"], author, session
            )
        await accounts.ctx.outbox.add(changed_event(row), session)

    try:
        await accounts.ctx.transaction(work)
    except DuplicateKeyError:
        raise SIRET_TAKEN.error() from None
    return organization(row)


async def update(
    accounts: Accounts, organization_id: str, body: OrganizationUpdate, author: str
) -> Organization:
    """Change the given fields of an organization (sponsorship replaced whole)."""
    given = body.model_dump(mode="python", include=body.model_fields_set)
    sets: dict[str, Any] = {**given, "updated_at": accounts.now(), "updated_by": author}
    unsets: dict[str, Any] = {}
    if "name" in given:
        sets["name_key"] = fold(given["name"])
    if "siret" in given and given["siret"] is None:
        del sets["siret"]
        unsets["siret"] = ""  # the unique index only covers given SIRETs

    async def work(session: AsyncClientSession) -> Document:
        row = await accounts.store.organizations.change(
            organization_id, sets, unset=list(unsets), session=session
        )
        if row is None:
            raise ORGANIZATION_NOT_FOUND.error()
        await accounts.ctx.outbox.add(changed_event(row), session)
        return row

    try:
        row = await accounts.ctx.transaction(work)
    except DuplicateKeyError:
        raise SIRET_TAKEN.error() from None
    return organization(row)


async def get(accounts: Accounts, organization_id: str) -> Organization:
    """One organization (404 when unknown)."""
    row = await accounts.store.organizations.by_id(organization_id)
    if row is None:
        raise ORGANIZATION_NOT_FOUND.error()
    return organization(row)


async def add_contact(accounts: Accounts, organization_id: str, body: PartnerContactIn) -> str:
    """Create the partner contact of an organization; returns the new account's id."""
    if not await accounts.store.organizations.exists(organization_id):
        raise ORGANIZATION_NOT_FOUND.error()
    return await create_partner_contact(accounts, organization_id, body)


async def find(accounts: Accounts, text: str | None, page: PageQuery) -> Page[OrganizationSummary]:
    """Organizations whose name starts with ``text`` (accents and case ignored)."""
    return await accounts.store.organizations.page_by_name(
        fold(text.strip()) if text else None,
        page,
        lambda row: OrganizationSummary(id=row["_id"], name=row["name"], kind=row["kind"]),
    )
