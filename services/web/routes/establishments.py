"""Establishments: the one a request or an open call names, and the search by which a
member of an educational team finds theirs (at sign-up, or when they move).

A member of an educational team always asks for their own establishment; a referent
types the establishment's UAI code, and accounts' reference gives its name, town and
bassin (the bassin decides which ambassadors' zones it lies in).
"""

from __future__ import annotations

from typing import Any

from services.web.client import Api, ApiRefusedError
from services.web.domain.forms import Form

UNKNOWN_UAI = "Ce code UAI ne correspond à aucun établissement des Hauts-de-France."
_SHOWN = ("uai", "name", "city", "postcode")


async def establishment_of(api: Api, role: str, form: Form) -> dict[str, Any] | None:
    """The staff member's own establishment, or the one whose UAI a referent typed in
    the ``uai`` field (None, with the field's error, when there is no such one)."""
    if role == "staff":
        me = await api.get("/accounts/me")
        own: dict[str, Any] = me["staff"]["establishment"]
        uai = str(own["uai"])
    else:
        own, uai = {}, form.text("uai").upper()
    try:
        found: dict[str, Any] = await api.get(f"/accounts/establishments/{uai}")
    except ApiRefusedError as refused:
        if refused.status not in (400, 404):
            raise
        if own:
            return {key: own[key] for key in _SHOWN}
        form.fail("uai", UNKNOWN_UAI)
        return None
    establishment = {key: found[key] for key in _SHOWN}
    if found.get("bassin"):
        establishment["bassin"] = found["bassin"]
    return establishment


# How many establishments a search shows: a longer list asks for a closer search.
FOUND_SHOWN = 20


async def find_establishments(api: Api, query: str) -> list[dict[str, Any]]:
    """The establishments whose name, town or UAI matches ``query``."""
    found = await api.get(
        "/accounts/establishments", params={"q": query[:100], "limit": FOUND_SHOWN}
    )
    items: list[dict[str, Any]] = found["items"]
    return items


def establishment_options(found: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """The establishments found as radio options: UAI, name and town, then what they are."""
    return [
        (
            item["uai"],
            f"{item['name']}, {item['city']}",
            f"{item['kind'].capitalize()} {item['sector']} · {item['postcode']} "
            f"· UAI {item['uai']}",
        )
        for item in found
    ]
