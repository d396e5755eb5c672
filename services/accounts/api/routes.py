"""HTTP routes of accounts (``/api/accounts``): each area declares its own on one router."""

from __future__ import annotations

from services.accounts.api.directory_routes import add_directory_routes
from services.accounts.api.joining_routes import add_joining_routes
from services.accounts.api.organization_routes import add_organization_routes
from services.accounts.api.partnership_routes import add_partnership_routes
from services.accounts.api.privacy_routes import add_privacy_routes
from services.accounts.api.reference_routes import add_reference_routes
from services.accounts.api.self_service_routes import add_self_service_routes
from services.accounts.api.session_routes import add_session_routes
from services.accounts.api.steering_routes import add_steering_routes
from shared.http import Router


def build_router() -> Router:
    """The accounts routes on a new ``Router`` (one per application: the shared runtime
    adds ``/health`` to the router it is given)."""
    router = Router(
        "accounts",
        title="Proch'Orientation — comptes",
        version="1",
        description=(
            "Inscription, connexion, profils, annuaire des ambassadeurs, référents et partenaires."
        ),
    )
    add_joining_routes(router)
    add_session_routes(router)
    add_self_service_routes(router)
    add_directory_routes(router)
    add_organization_routes(router)
    add_partnership_routes(router)
    add_privacy_routes(router)
    add_steering_routes(router)
    add_reference_routes(router)
    return router
