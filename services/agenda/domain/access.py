"""Who sees and who may act on an appointment: pure functions of the caller's token.

An ambassador sees their own appointments; a member of an educational team, their
establishment's; a referent, those of establishments in their territory (and those
they asked for); an admin, all. Someone who cannot see an appointment gets 404,
as if it did not exist; someone who sees it but may not do an action gets 403.
"""

from __future__ import annotations

from services.agenda.domain.model import Appointment, Side
from services.agenda.domain.territory import Area, Place, covers
from shared.http import Principal


def territory_of(principal: Principal) -> Area:
    """A referent's territory as the token carries it."""
    territory = principal.territory
    if territory is None:
        return Area()
    return Area.of(territory.departments, territory.bassins)


def in_territory(principal: Principal, place: Place) -> bool:
    """Whether a referent's territory surely covers ``place``."""
    return covers(territory_of(principal), place)


def can_see(principal: Principal, appointment: Appointment) -> bool:
    """Whether the caller may read ``appointment``."""
    if principal.role == "admin":
        return True
    if appointment.side_of(principal.user_id) is not None:
        return True
    establishment = appointment.establishment
    if principal.role == "staff":
        return establishment.uai is not None and establishment.uai == principal.establishment_uai
    if principal.role == "referent":
        return in_territory(principal, Place(establishment.department, establishment.bassin))
    return False


def side_of(principal: Principal, appointment: Appointment) -> Side | None:
    """Which party the caller is, if they are one."""
    return appointment.side_of(principal.user_id)
