"""Partner organizations: partnership charter and skills-sponsorship convention."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from services.accounts.api import models
from services.accounts.context import Accounts
from services.accounts.domain.passwords import fold
from services.accounts.errors import ORGANIZATION_NOT_FOUND, SIRET_TAKEN
from shared.http import Page, PageQuery, paginate
from shared.mongo import Document


def organization(row: Document) -> models.Organization:
    """The API view of a stored organization."""
    return models.Organization(
        id=row["_id"],
        name=row["name"],
        siret=row.get("siret"),
        kind=row["kind"],
        partnership_charter_signed_at=row.get("partnership_charter_signed_at"),
        sponsorship=row.get("sponsorship"),
        created_at=row["created_at"],
    )


async def create(
    accounts: Accounts, body: models.OrganizationIn, author: str
) -> models.Organization:
    """Register a partner organization (409 when the SIRET is already known)."""
    row: Document = {
        "_id": accounts.new_id(),
        **body.model_dump(mode="python"),
        "name_key": fold(body.name),
        "created_at": accounts.now(),
        "created_by": author,
    }
    if row.get("siret") is None:
        row.pop("siret", None)  # the unique index only covers given SIRETs
    try:
        await accounts.store.organizations.insert_one(row)
    except DuplicateKeyError:
        raise SIRET_TAKEN.error() from None
    return organization(row)


async def get(accounts: Accounts, organization_id: str) -> models.Organization:
    """One organization (404 when unknown)."""
    row = await accounts.store.organizations.find_one({"_id": organization_id})
    if row is None:
        raise ORGANIZATION_NOT_FOUND.error()
    return organization(row)


async def find(
    accounts: Accounts, text: str | None, page: PageQuery
) -> Page[models.OrganizationSummary]:
    """Organizations whose name starts with ``text`` (accents and case ignored)."""
    query: Document = {}
    if text:
        prefix = fold(text.strip())
        query["name_key"] = {"$gte": prefix, "$lt": prefix + "\uffff"}
    return await paginate(
        accounts.store.organizations,
        query,
        sort=[("name_key", 1)],
        page=page,
        load=lambda row: models.OrganizationSummary(
            id=row["_id"], name=row["name"], kind=row["kind"]
        ),
        projection={"name": 1, "kind": 1, "name_key": 1},
    )
