"""Routes of the partnership requests."""

from __future__ import annotations

from services.accounts import partner_requests
from services.accounts.api.partnership_models import PartnerRequestQuery, PartnerRequestReceived
from services.accounts.api.resources import accounts_for_open_session, accounts_of
from services.accounts.errors import SESSION_ENDED, TOO_MANY_PARTNER_REQUESTS
from services.accounts.shapes.partners import PartnerRequest, PartnerRequestIn
from services.accounts.throttling import address_of, limit_requests
from shared.http import Call, Page, Roles, Router


def add_partnership_routes(router: Router) -> None:
    """Declare the partnership routes on ``router``."""

    @router.post(
        "/partner-requests",
        summary="Demander à devenir partenaire du programme",
        status=201,
        errors=[TOO_MANY_PARTNER_REQUESTS],
        description=(
            "Accessible sans compte : une entreprise, une association ou un organisme de "
            "formation demande à signer la charte de partenariat (et, s'il le souhaite, une "
            "convention de mécénat de compétences). L'équipe du programme lit les demandes "
            "(GET /partner-requests) et répond par e-mail."
        ),
    )
    async def request_partnership(
        call: Call[PartnerRequestIn, None],
    ) -> PartnerRequestReceived:
        """Kept for the admins; a few requests per hour per address and per email."""
        accounts = accounts_of(call)
        await limit_requests(
            accounts,
            "partner_request",
            address=address_of(accounts, call.request),
            email=call.body.email,
            refusal=TOO_MANY_PARTNER_REQUESTS,
        )
        return PartnerRequestReceived(id=await partner_requests.receive(accounts, call.body))

    @router.get(
        "/partner-requests",
        summary="Demandes de partenariat reçues",
        auth=Roles("admin"),
        errors=[SESSION_ENDED],
        description="Les plus récentes d'abord ; chaque demande est gardée un an.",
    )
    async def list_partner_requests(
        call: Call[None, PartnerRequestQuery],
    ) -> Page[PartnerRequest]:
        """For the programme's admins, who answer each request by email."""
        accounts = await accounts_for_open_session(call)
        page = call.query.paging()
        return await partner_requests.listed(accounts, page)
