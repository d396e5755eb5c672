"""Routes of the partnership requests."""

from __future__ import annotations

from services.accounts import partner_requests
from services.accounts.api.partnership_models import PartnerRequestQuery, PartnerRequestReceived
from services.accounts.api.resources import accounts_for_open_session, accounts_of
from services.accounts.errors import (
    PARTNER_REQUEST_NOT_FOUND,
    PARTNER_REQUEST_REGISTERED,
    SESSION_ENDED,
    TOO_MANY_PARTNER_REQUESTS,
)
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

    # Read and handled by the programme's admins, who answer each request by email.
    admins = router.group(auth=Roles("admin"), errors=[SESSION_ENDED])

    @admins.get(
        "/partner-requests",
        summary="Demandes de partenariat reçues",
        description="Les plus récentes d'abord ; chaque demande est gardée un an.",
    )
    async def list_partner_requests(
        call: Call[None, PartnerRequestQuery],
    ) -> Page[PartnerRequest]:
        """All of them, or those in one status."""
        accounts = await accounts_for_open_session(call)
        page = call.query.paging()
        return await partner_requests.listed(accounts, call.query.status, page)

    @admins.get(
        "/partner-requests/{id}",
        summary="Une demande de partenariat",
        errors=[PARTNER_REQUEST_NOT_FOUND],
    )
    async def get_partner_request(call: Call[None, None]) -> PartnerRequest:
        """With what became of it."""
        accounts = await accounts_for_open_session(call)
        return await partner_requests.get(accounts, call.path("id"))

    @admins.post(
        "/partner-requests/{id}/decline",
        summary="Classer une demande de partenariat sans suite",
        errors=[PARTNER_REQUEST_NOT_FOUND, PARTNER_REQUEST_REGISTERED],
        description=(
            "Aucune organisation n'en sera enregistrée ; la demande reste lisible (declined) "
            "jusqu'à la fin de sa conservation et peut être remise à traiter."
        ),
    )
    async def decline_partner_request(call: Call[None, None]) -> PartnerRequest:
        """Sent twice, it answers the same."""
        accounts = await accounts_for_open_session(call)
        return await partner_requests.decline(accounts, call.path("id"), call.user.user_id)

    @admins.post(
        "/partner-requests/{id}/reopen",
        summary="Remettre à traiter une demande classée sans suite",
        errors=[PARTNER_REQUEST_NOT_FOUND, PARTNER_REQUEST_REGISTERED],
    )
    async def reopen_partner_request(call: Call[None, None]) -> PartnerRequest:
        """Sent twice, it answers the same."""
        accounts = await accounts_for_open_session(call)
        return await partner_requests.reopen(accounts, call.path("id"), call.user.user_id)
