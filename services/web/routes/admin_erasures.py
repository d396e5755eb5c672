"""« Suppressions de comptes » for administrators: the accounts deleted (at the person's request,
after long inactivity, or never activated) and, for each, which services confirmed
they erased what they held. An erasure still waiting for a service points to a
stopped service or a message set aside; the accounts API audits each read.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from services.web.access import requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.labels import DELETION_REASONS, SERVICES
from services.web.rendering import render, see_other

ERASURES = "/admin/effacements"
SHOWN = 30
# The list's filters: address value → (the API's state, words of the filter's link).
FILTERS = {
    "": (None, "Tous"),
    "en-attente": ("pending", "En attente d'un service"),
    "termines": ("complete", "Terminés"),
}


def add_admin_erasure_routes(router: web.UrlDispatcher) -> None:
    """The administrators' page on account erasures."""
    router.add_get(ERASURES, erasures_page)


def _filtered(key: str) -> str:
    return f"{ERASURES}?etat={key}" if key else ERASURES


@requires("admin")
async def erasures_page(request: web.Request) -> web.StreamResponse:
    """Deleted accounts, newest first, with each service's confirmation."""
    key = request.query.get("etat", "")
    if key not in FILTERS:
        return see_other(ERASURES)
    params: dict[str, Any] = {"limit": SHOWN}
    state = FILTERS[key][0]
    if state:
        params["state"] = state
    cursor = request.query.get("curseur")
    if cursor:
        params["cursor"] = cursor
    try:
        found = await api_of(request).get("/accounts/erasures", params=params)
    except ApiRefusedError as refused:
        if refused.status != 400:  # a cursor that is not one of ours
            raise
        return see_other(_filtered(key))
    next_cursor = found.get("next_cursor")
    return await render(
        request,
        "admin/erasures.html",
        {
            "erasures": found["items"],
            "filters": [(_filtered(name), label) for name, (_, label) in FILTERS.items()],
            "current_filter": _filtered(key),
            "next_page": (
                f"{ERASURES}?{urlencode({'etat': key, 'curseur': next_cursor})}"
                if next_cursor
                else None
            ),
            "reasons": DELETION_REASONS,
            "services": SERVICES,
        },
    )
