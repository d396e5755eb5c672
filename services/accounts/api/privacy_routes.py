"""Routes of a person's rights over their data: export and restriction (deletion is
``DELETE /me``)."""

from __future__ import annotations

from services.accounts import export, restriction
from services.accounts.api.resources import accounts_of
from services.accounts.credentials import current_user
from services.accounts.errors import EXPORT_INCOMPLETE, SESSION_ENDED
from services.accounts.shapes.privacy import ExportDocument, RestrictionState
from shared.http import Authenticated, Call, Router


def add_privacy_routes(router: Router) -> None:
    """Declare the privacy routes on ``router``."""
    signed_in = router.group(auth=Authenticated(), errors=[SESSION_ENDED])

    @signed_in.get(
        "/me/export",
        summary="Exporter toutes mes données, de tous les services",
        errors=[EXPORT_INCOMPLETE],
        description=(
            "Un document JSON avec une partie par service (comptes, agenda, messagerie, "
            "e-mails). Si un service ne répond pas à temps : 504 export_incomplete nommant "
            "les services manquants (details.missing) ; réessayer un peu plus tard reprend la "
            "même demande."
        ),
    )
    async def export_me(call: Call[None, None]) -> ExportDocument:
        """Accounts asks every service over the bus and assembles their answers."""
        return await export.export(accounts_of(call), call.user)

    @signed_in.get(
        "/me/restriction",
        summary="Ma demande de limitation du traitement",
    )
    async def get_restriction(call: Call[None, None]) -> RestrictionState:
        """Whether the use of one's data is restricted, and since when."""
        return restriction.state(await current_user(accounts_of(call), call.user))

    @signed_in.post(
        "/me/restriction",
        summary="Limiter le traitement de mes données (RGPD, article 18)",
        description=(
            "Les données sont conservées mais plus utilisées : un ambassadeur n'apparaît plus "
            "dans l'annuaire et ne peut plus être sollicité jusqu'à la levée de la limitation."
        ),
    )
    async def restrict(call: Call[None, None]) -> RestrictionState:
        """Idempotent: asking twice keeps the first date."""
        return await restriction.restrict(accounts_of(call), call.user)

    @signed_in.delete(
        "/me/restriction",
        summary="Lever la limitation du traitement de mes données",
    )
    async def lift_restriction(call: Call[None, None]) -> None:
        """The other rules decide again whether one can be solicited."""
        await restriction.lift(accounts_of(call), call.user)
