"""Who may act on whom: decisions on principals and zones, without I/O."""

from __future__ import annotations

from services.accounts.domain.catalog import region
from services.accounts.events import Territory
from shared.http import Principal, Role

DIRECTORY_ROLES: tuple[Role, ...] = ("staff", "referent", "admin")


def covers(principal: Principal, zone: Territory) -> bool:
    """Whether a referent's territory shares at least one place with ``zone``."""
    if principal.role != "referent" or principal.territory is None:
        return False
    territory = Territory(
        departments=list(principal.territory.departments),
        bassins=list(principal.territory.bassins),
    )
    return region().overlaps(territory, zone)


def may_moderate(principal: Principal, zone: Territory) -> bool:
    """Record decisions and suspensions: an admin, or a referent of the ambassador's zone."""
    return principal.role == "admin" or covers(principal, zone)


def sees_private_state(principal: Principal) -> bool:
    """Referents and admins see an ambassador's check and suspension state, staff do not."""
    return principal.role in ("referent", "admin")
