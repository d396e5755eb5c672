"""« Messagerie »: one's conversations, one conversation with its reply form, and
« Partager mes coordonnées ».

The messaging API decides who reads and who writes: the two parties of a request
read and write; the referents of the establishment's zone read along (their
conversations come from ``scope=territory``); for anyone else a conversation does not
exist (404). Partners and administrators take no part in requests: the pages are not
theirs (403). Reading a conversation's messages marks them as read.

With JavaScript on, the open page follows the conversation (``messaging.js``): it asks
``/messagerie/{id}/nouveaux?apres=<seq>``, which relays the messaging API's long wait
(``after`` and ``wait``) with the person's own session and answers the new messages
as HTML rendered by the same macro as the page. The browser never holds an API token.
"""

from __future__ import annotations

import re
import time
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from services.web.access import add_form_page, requires, user_of
from services.web.client import Api, ApiRefusedError, ApiUnavailableError, SignedOutError
from services.web.context import api_of
from services.web.domain.audiences import AGENDA_ROLES
from services.web.domain.forms import Form
from services.web.domain.labels import CONVERSATION_STATES
from services.web.rendering import VISIT, render, render_form, see_other

PAGE_SIZE = 20
# The messaging API's limit of a message, in characters.
MAX_MESSAGE = 5000
# How long one follow request waits for a new message: well within the site's API
# timeout, long enough that an idle open page asks a few times a minute only.
FOLLOW_WAIT_SECONDS = 10
FOLLOW_BATCH = 50
# Conversation ids are the messaging service's hex ids: anything else is no conversation
# (and never reaches the API's paths).
_CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def add_messaging_routes(router: web.UrlDispatcher) -> None:
    """The messaging pages."""
    router.add_get("/messagerie", conversations_page)
    add_form_page(router, "/messagerie/{id}", conversation_page, reply)
    router.add_get("/messagerie/{id}/nouveaux", new_messages)
    add_form_page(router, "/messagerie/{id}/partager", share_page, share)
    add_form_page(router, "/messagerie/{id}/clore", close_page, close)


@requires(*AGENDA_ROLES)
async def conversations_page(request: web.Request) -> web.Response:
    """The person's conversations, the latest active first; a referent's territory's too."""
    api = api_of(request)
    mine = await _page(api, scope="mine", cursor=request.query.get("suite"))
    territory = None
    if user_of(request).role == "referent":
        territory = await _page(api, scope="territory", cursor=request.query.get("territoire"))
    return await render(
        request,
        "messaging/conversations.html",
        {"mine": mine, "territory": territory, "states": CONVERSATION_STATES},
    )


async def _page(api: Api, *, scope: str, cursor: str | None) -> dict[str, Any]:
    try:
        found: dict[str, Any] = await api.get(
            "/messaging/conversations",
            params={"scope": scope, "limit": PAGE_SIZE, "cursor": cursor},
        )
    except ApiRefusedError as refused:
        if refused.status != 400:  # a stale or edited cursor: the first page instead
            raise
        found = await api.get(
            "/messaging/conversations", params={"scope": scope, "limit": PAGE_SIZE}
        )
    return found


async def _conversation(request: web.Request) -> dict[str, Any]:
    """The conversation of the address, or the 404 page when it is not the person's."""
    if not _CONVERSATION_ID.fullmatch(request.match_info["id"]):
        raise web.HTTPNotFound()
    found: dict[str, Any] = await api_of(request).shown(
        f"/messaging/conversations/{request.match_info['id']}", hidden=(400, 403, 404)
    )
    return found


async def _show(
    request: web.Request, conversation: dict[str, Any], form: Form | None = None
) -> web.Response:
    path = f"/messaging/conversations/{conversation['id']}/messages"
    params = {"limit": PAGE_SIZE, "cursor": request.query.get("avant")}
    try:
        messages: dict[str, Any] = await api_of(request).get(path, params=params)
    except ApiRefusedError as refused:
        if refused.status != 400:
            raise
        messages = await api_of(request).get(path, params={"limit": PAGE_SIZE})
    others = [p for p in conversation["participants"] if not p["is_you"]]
    items = messages["items"]
    return await render_form(
        request,
        "messaging/conversation.html",
        {
            "conversation": conversation,
            "messages": items,
            # Only the newest page follows the conversation as it goes on.
            "follow_after": (
                (items[-1]["seq"] if items else 0) if not request.query.get("avant") else None
            ),
            "older": messages.get("next_cursor"),
            # A new address each time: « Actualiser » always loads the page again (a
            # link differing only by its fragment would just scroll).
            "refreshed_at": time.time_ns() // 1_000_000,
            "others": others,
            "participant": any(p["is_you"] for p in conversation["participants"]),
            "states": CONVERSATION_STATES,
            "max_message": MAX_MESSAGE,
        },
        form,
    )


@requires(*AGENDA_ROLES)
async def conversation_page(request: web.Request) -> web.Response:
    """The messages, oldest to newest, and the reply form when the person may write."""
    return await _show(request, await _conversation(request))


async def new_messages(request: web.Request) -> web.Response:
    """The messages after ``apres`` (a message's number) once there is one, as HTML,
    for the open page to add (JSON: ``{"after": <seq>, "items": [{"seq", "html"}]}``).

    Waits up to :data:`FOLLOW_WAIT_SECONDS` for one; an empty list means « nothing yet,
    ask again ». Errors are statuses the script understands: 401 signed out, 404 not
    (or no longer) yours, 503 the platform is away for a moment.
    """
    if request[VISIT].user is None:
        return _follow_error(401, "signed_out")
    after_text = request.query.get("apres", "")
    if not after_text.isdigit() or len(after_text) > 9:
        return _follow_error(400, "bad_request")
    after = int(after_text)
    conversation_id = request.match_info["id"]
    if not _CONVERSATION_ID.fullmatch(conversation_id):
        return _follow_error(404, "not_found")
    try:
        found: dict[str, Any] = await api_of(request).get(
            f"/messaging/conversations/{conversation_id}/messages",
            params={"after": after, "wait": FOLLOW_WAIT_SECONDS, "limit": FOLLOW_BATCH},
        )
    except ApiRefusedError as refused:
        return _follow_error(404 if refused.status in (400, 403, 404) else 503, refused.code)
    except SignedOutError:
        await request[VISIT].sign_out()
        return _follow_error(401, "signed_out")
    except ApiUnavailableError:
        return _follow_error(503, "unavailable")
    env = aiohttp_jinja2.get_env(request.app)
    parts = env.get_template("messaging/_parts.html").module
    items = [
        {"seq": message["seq"], "html": str(parts.message_item(message))}  # type: ignore[attr-defined]
        for message in found["items"]
    ]
    newest = items[-1]["seq"] if items else after
    return web.json_response({"after": newest, "items": items})


def _follow_error(status: int, code: str) -> web.Response:
    return web.json_response({"error": code}, status=status)


@requires(*AGENDA_ROLES)
async def reply(request: web.Request) -> web.StreamResponse:
    """Post a message; the other party also gets it by email from a masked address."""
    conversation = await _conversation(request)
    form = Form.of(await request.post())
    body = form.required("message", "Écrivez votre message avant de l'envoyer.")
    if body and len(body) > MAX_MESSAGE:
        form.fail("message", f"Raccourcissez votre message à {MAX_MESSAGE} caractères au plus.")
    if form.ok:
        try:
            posted: dict[str, Any] = await api_of(request).post(
                f"/messaging/conversations/{conversation['id']}/messages", {"body": body}
            )
        except ApiRefusedError as refused:
            by_field = refused.field_messages()
            form.fail("message", next(iter(by_field.values()), None) or refused.message)
        else:
            names = ", ".join(
                p["display_name"] for p in conversation["participants"] if not p["is_you"]
            )
            visit = request[VISIT]
            await visit.flash(
                f"Votre message a été envoyé à {names}, qui le reçoit aussi par e-mail."
            )
            if posted.get("notice"):
                await visit.flash(str(posted["notice"]), kind="info")
            return see_other(f"/messagerie/{conversation['id']}#dernier-message")
    return await _show(request, conversation, form)


@requires(*AGENDA_ROLES)
async def share_page(request: web.Request) -> web.Response:
    """What the other party will see before the person shares their details."""
    conversation = await _conversation(request)
    if not conversation["can_post"]:
        raise web.HTTPNotFound()
    try:
        preview: dict[str, Any] | None = await api_of(request).get(
            f"/messaging/conversations/{conversation['id']}/contact-sharing"
        )
    except ApiRefusedError as refused:
        if refused.status in (403, 404):
            raise web.HTTPNotFound() from refused
        preview = None  # details not known to messaging yet: the page says so
    if preview is not None and preview["already_shared"]:
        await request[VISIT].flash(
            "Vous avez déjà partagé vos coordonnées dans cette conversation.", kind="info"
        )
        return see_other(f"/messagerie/{conversation['id']}")
    others = [p for p in conversation["participants"] if not p["is_you"]]
    return await render(
        request,
        "messaging/share.html",
        {"conversation": conversation, "others": others, "preview": preview},
    )


@requires(*AGENDA_ROLES)
async def share(request: web.Request) -> web.StreamResponse:
    """Share one's name, email and phone in this conversation only."""
    return await _act(
        request,
        "contact-sharing",
        "Vos coordonnées sont partagées dans cette conversation : votre interlocuteur "
        "les voit et les a reçues par e-mail.",
    )


@requires(*AGENDA_ROLES)
async def close_page(request: web.Request) -> web.Response:
    """What closing changes, before the participant confirms."""
    conversation = await _conversation(request)
    if not conversation["can_post"]:
        raise web.HTTPNotFound()
    others = [p for p in conversation["participants"] if not p["is_you"]]
    return await render(
        request, "messaging/close.html", {"conversation": conversation, "others": others}
    )


@requires(*AGENDA_ROLES)
async def close(request: web.Request) -> web.StreamResponse:
    """Close the conversation for everyone in it: its messages stay readable."""
    return await _act(
        request,
        "close",
        "La conversation est close : plus personne ne peut y écrire. "
        "Ses messages restent lisibles ici.",
    )


async def _act(request: web.Request, action: str, done: str) -> web.StreamResponse:
    """A participant's ``action`` on the conversation (the messaging API's), then back to
    it with a banner saying it is ``done``, or why it was not."""
    conversation = await _conversation(request)
    try:
        await api_of(request).post(f"/messaging/conversations/{conversation['id']}/{action}")
    except ApiRefusedError as refused:
        if refused.status in (403, 404):
            raise web.HTTPNotFound() from refused
        await request[VISIT].flash(refused.message, kind="error")
    else:
        await request[VISIT].flash(done)
    return see_other(f"/messagerie/{conversation['id']}")
