"""What a caller may list, as a union of index-friendly branches (one query each):
the queries of the access rules of ``domain.access`` and ``domain.calls``."""

from __future__ import annotations

from typing import Any

from shared.http import Principal


def appointment_scope(principal: Principal) -> list[dict[str, Any]]:
    """The appointments a caller may list, as a union of index-friendly branches.

    See ``domain.access.can_see``: the same rule, as queries.
    """
    if principal.role == "ambassador":
        return [{"ambassador_id": principal.user_id}]
    if principal.role == "staff":
        if principal.establishment_uai is None:  # attachment not proved: nothing
            return [{"_id": {"$exists": False}}]
        return [{"establishment.uai": principal.establishment_uai}]
    if principal.role == "referent":
        territory = principal.territory
        branches: list[dict[str, Any]] = [{"requester_id": principal.user_id}]
        if territory is not None:
            branches += [{"establishment.department": code} for code in territory.departments]
            branches += [{"establishment.bassin": slug} for slug in territory.bassins]
        return branches
    return [{}]  # admin: the route lets no other role in


def call_scope(principal: Principal) -> list[dict[str, Any]]:
    """The calls a caller may list (see ``domain.calls.can_see_call``), as branches."""
    if principal.role == "ambassador":
        return [{"invited": principal.user_id}]
    branches: list[dict[str, Any]] = [{"organiser_id": principal.user_id}]
    if principal.role == "staff":
        if principal.establishment_uai is not None:  # not before the attachment is proved
            branches.append({"establishment.uai": principal.establishment_uai})
    elif principal.role == "referent" and principal.territory is not None:
        territory = principal.territory
        branches += [{"establishment.department": code} for code in territory.departments]
        branches += [{"establishment.bassin": slug} for slug in territory.bassins]
    elif principal.role == "admin":
        return [{}]
    return branches
