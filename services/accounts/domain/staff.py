"""Educational staff: where their establishment is, and how their attachment is proved.

Being staff of an establishment opens its appointments, so it is proved, not declared:
an address at one of the region's academic domains proves it (the académie gives those
addresses to its staff only); anyone else waits for a referent of the establishment's
zone to approve them. The establishment's name, department and bassin come from the
reference data (the Annuaire by its UAI, else the postcode and the Nord's commune
mapping), never from what the person typed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

from services.accounts.domain.catalog import department_of_postcode
from services.accounts.domain.establishments import establishments
from shared.reference.places import bassin_of_commune

VerificationStatus = Literal["verified", "pending", "refused"]
# Who proved the attachment when no referent did.
BY_ACADEMIC_ADDRESS = "academic_address"


def is_academic_address(email: str, domains: Iterable[str]) -> bool:
    """Whether ``email`` is at one of ``domains`` or a sub-domain of one."""
    domain = email.rpartition("@")[2].lower().rstrip(".")
    return any(domain == d or domain.endswith(f".{d}") for d in domains)


def reference_establishment(uai: str, name: str, city: str, postcode: str) -> dict[str, Any]:
    """The stored establishment of a staff member, from the reference data.

    A UAI of the Annuaire gives everything; another one (an establishment the shipped
    list lacks) keeps the given name and town, its department from the postcode and,
    in the Nord, its bassin from the commune mapping (none when the mapping lacks it).
    """
    listed = establishments().get(uai)
    if listed is not None:
        return {
            "uai": listed.uai,
            "name": listed.name,
            "city": listed.city,
            "postcode": listed.postcode,
            "department": listed.department,
            "bassin": listed.bassin,
            "listed": True,
        }
    department = department_of_postcode(postcode)
    return {
        "uai": uai,
        "name": name,
        "city": city,
        "postcode": postcode,
        "department": department,
        "bassin": bassin_of_commune(postcode, city),
        "listed": False,
    }


def stored_establishment(staff: dict[str, Any]) -> dict[str, Any]:
    """The establishment as stored; one stored before places were kept gets its place
    from the reference data now."""
    establishment = staff["establishment"]
    if "department" in establishment:
        return dict(establishment)
    return reference_establishment(
        establishment["uai"],
        establishment["name"],
        establishment["city"],
        establishment["postcode"],
    )


def verification_at_sign_up(
    email: str, domains: Iterable[str], now: datetime | None
) -> dict[str, Any]:
    """A new staff member is verified by an academic address, else waits for a referent."""
    if is_academic_address(email, domains):
        return {"status": "verified", "by": BY_ACADEMIC_ADDRESS, "at": now}
    return {"status": "pending", "since": now}


def verification_of(user: dict[str, Any], domains: Iterable[str]) -> dict[str, Any]:
    """A staff member's verification; an account made before verifications existed is
    verified only by its academic address."""
    stored = user["staff"].get("verification")
    if stored is not None:
        return dict(stored)
    return verification_at_sign_up(user["email"], domains, user.get("created_at"))


def is_verified(user: dict[str, Any], domains: Iterable[str]) -> bool:
    """Whether the attachment to the establishment has been proved."""
    return bool(verification_of(user, domains)["status"] == "verified")
