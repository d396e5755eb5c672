"""Partner organizations."""

from __future__ import annotations

from services.accounts import partners
from services.accounts.api.partnership_models import OrganizationQuery
from services.accounts.api.resources import accounts_for_open_session
from services.accounts.errors import (
    ORGANIZATION_NOT_FOUND,
    PARTNER_REQUEST_REGISTERED,
    SESSION_ENDED,
    SIRET_TAKEN,
    UNKNOWN_PARTNER_REQUEST,
)
from services.accounts.shapes.partners import Organization, OrganizationIn, OrganizationSummary
from shared.http import Call, Page, Roles, Router


def add_organization_routes(router: Router) -> None:
    """Declare the organization routes on ``router``."""
    # Kept by referents and admins; every signed-in role may search them.
    organizations = router.group(auth=Roles("admin", "referent"), errors=[SESSION_ENDED])

    @organizations.post(
        "/organizations",
        summary="Enregistrer une organisation partenaire",
        status=201,
        errors=[SIRET_TAKEN, UNKNOWN_PARTNER_REQUEST, PARTNER_REQUEST_REGISTERED],
    )
    async def create_organization(call: Call[OrganizationIn, None]) -> Organization:
        """Partnership charter and sponsorship convention fields."""
        accounts = await accounts_for_open_session(call)
        return await partners.create(accounts, call.body, call.user.user_id)

    @organizations.get(
        "/organizations",
        summary="Chercher une organisation par son nom",
        auth=Roles("ambassador", "staff", "referent", "admin"),
        description="Un ambassadeur y trouve son employeur pour s'y rattacher (PATCH /me).",
    )
    async def find_organizations(
        call: Call[None, OrganizationQuery],
    ) -> Page[OrganizationSummary]:
        """By name prefix, accents and case ignored."""
        accounts = await accounts_for_open_session(call)
        page = call.query.paging()
        return await partners.find(accounts, call.query.q, page)

    @organizations.get(
        "/organizations/{id}",
        summary="Une organisation partenaire",
        errors=[ORGANIZATION_NOT_FOUND],
    )
    async def get_organization(call: Call[None, None]) -> Organization:
        """With its sponsorship convention."""
        accounts = await accounts_for_open_session(call)
        return await partners.get(accounts, call.path("id"))
