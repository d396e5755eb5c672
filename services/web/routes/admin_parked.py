"""« Messages mis de côté » for administrators: the events each service set aside after
its last attempt (or at once, when unreadable), one page per message with its
envelope, and « Rejouer » or « Écarter ». Each service's API keeps who did what; the
page lists the latest of those actions too.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from aiohttp import web

from services.web.access import requires
from services.web.client import Api, ApiRefusedError
from services.web.context import api_of
from services.web.domain.labels import SERVICES
from services.web.rendering import VISIT, render, see_other

PARKED = "/admin/messages-mis-de-cote"
SHOWN = 50
ACTIONS_SHOWN = 10
# What each action is called on the page, and what the flash message says was done.
ACTIONS = {
    "rejouer": (
        "replay",
        "Le message est remis dans sa file : le service va le traiter de nouveau.",
    ),
    "ecarter": ("discard", "Le message est écarté définitivement."),
}
ACTION_NAMES = {"replayed": "Rejoué", "discarded": "Écarté"}


def add_admin_parked_routes(router: web.UrlDispatcher) -> None:
    """The administrators' pages on parked messages."""
    router.add_get(PARKED, parked_page)
    router.add_get(f"{PARKED}/{{service}}/{{id}}", parked_message_page)
    router.add_post(f"{PARKED}/{{service}}/{{id}}/{{action}}", settle)


def _service(request: web.Request) -> str:
    service = request.match_info["service"]
    if service not in SERVICES:
        raise web.HTTPNotFound()
    return service


def _path(service: str, message_id: str) -> str:
    return f"/{service}/parked/{quote(message_id, safe='')}"


@requires("admin")
async def parked_page(request: web.Request) -> web.Response:
    """Every service's parked messages, oldest first, and the latest actions taken."""
    api = api_of(request)
    parked: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for service in SERVICES:
        page = await api.get(f"/{service}/parked", params={"limit": SHOWN})
        parked.extend({**row, "service": service} for row in page["items"])
        done = await api.get(f"/{service}/parking-actions", params={"limit": ACTIONS_SHOWN})
        actions.extend({**row, "service": service} for row in done["items"])
    parked.sort(key=lambda row: str(row["parked_at"] or ""))
    actions.sort(key=lambda row: str(row["at"]), reverse=True)
    return await render(
        request,
        "admin/parked.html",
        {
            "parked": parked,
            "actions": actions[:ACTIONS_SHOWN],
            "services": SERVICES,
            "action_names": ACTION_NAMES,
            "base": PARKED,
        },
    )


@requires("admin")
async def parked_message_page(request: web.Request) -> web.Response:
    """One parked message: why it was set aside, and its envelope (secrets masked)."""
    service = _service(request)
    message = await _one(api_of(request), service, request.match_info["id"])
    envelope = message.get("envelope")
    return await render(
        request,
        "admin/parked_message.html",
        {
            "message": message,
            "service": service,
            "services": SERVICES,
            "envelope": json.dumps(envelope, indent=2, ensure_ascii=False) if envelope else None,
            "base": PARKED,
        },
    )


async def _one(api: Api, service: str, message_id: str) -> dict[str, Any]:
    try:
        found: dict[str, Any] = await api.get(_path(service, message_id))
    except ApiRefusedError as refused:
        if refused.status == 404:
            raise web.HTTPNotFound() from refused
        raise
    return found


@requires("admin")
async def settle(request: web.Request) -> web.StreamResponse:
    """« Rejouer » or « Écarter » one message; the service records who did it."""
    service = _service(request)
    chosen = ACTIONS.get(request.match_info["action"])
    if chosen is None:
        raise web.HTTPNotFound()
    verb, done = chosen
    visit = request[VISIT]
    try:
        await api_of(request).post(f"{_path(service, request.match_info['id'])}/{verb}")
    except ApiRefusedError as refused:
        if refused.status not in (404, 409):
            raise
        await visit.flash(refused.message, kind="error")
    else:
        await visit.flash(done)
    return see_other(PARKED)
