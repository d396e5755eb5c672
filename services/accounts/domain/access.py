"""Who may act on whom: decisions on principals and zones, without I/O."""

from __future__ import annotations

from services.accounts.domain.catalog import region
from shared.contracts.accounts import Territory
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


def zone_places_covered(principal: Principal) -> tuple[list[str], list[str]] | None:
    """The departments and bassins of which any ambassador zone naming one overlaps the
    referent's territory; None for an admin (everything).

    A zone naming a department split into bassins covers all of them, so a referent of
    « Lille Est » sees zones naming « Lille Est » or the whole Nord, not « Douaisis ».
    """
    if principal.role == "admin":
        return None
    if principal.role != "referent" or principal.territory is None:
        return [], []
    places = region()
    territory = Territory(
        departments=list(principal.territory.departments),
        bassins=list(principal.territory.bassins),
    )
    departments: set[str] = set()
    bassins: set[str] = set()
    for atom in places.atoms(territory):
        kind, _, code = atom.partition(":")
        if kind == "d":
            departments.add(code)
        else:
            bassins.add(code)
            if code in places.bassins:
                departments.add(places.bassins[code].department)
    return sorted(departments), sorted(bassins)
