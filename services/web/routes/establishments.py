"""Where an intervention takes place: the establishment a request or an open call names.

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
