"""The caught mails in the browser, and as JSON for tests and scripts.

Mounted at ``/dev/mail`` by the embedded platform. Pages are French and escape all that
comes from a mail. A mail's HTML part is served from its own URL, with no scripts and
inside a sandboxed frame, so a mail cannot act on the pages around it; its links
still open, in the whole tab.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from embedded.mail_message import MailContent, read_content, split_links
from embedded.mailcatcher import MAIL_ID_PATTERN, CaughtMail, MailCatcher
from shared.french import PARIS

CATCHER = web.AppKey("catcher", MailCatcher)
TEMPLATES = web.AppKey("templates", jinja2.Environment)


_PAGE_POLICY = (
    "default-src 'self'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
    "img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
# For a mail's HTML part: no script at all, even opened outside its frame; remote
# images allowed, as a mail client would.
_MAIL_HTML_POLICY = (
    "sandbox allow-popups allow-popups-to-escape-sandbox "
    "allow-top-navigation-by-user-activation; default-src 'none'; "
    "img-src data: http: https:; style-src 'unsafe-inline'; font-src data:; "
    "frame-ancestors 'self'"
)
_HEAD_TAG = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)
# Links in the frame open in the whole tab: inside a small frame a page is unusable.
_BASE_TARGET = '<base target="_top">'


def mail_web_app(catcher: MailCatcher) -> web.Application:
    """The mail pages and their JSON API, to mount with ``add_subapp("/dev/mail", …)``."""
    app = web.Application()
    app[CATCHER] = catcher
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    mail = "{mail_id:" + MAIL_ID_PATTERN + "}"
    app.router.add_get("/", index_page, name="index")
    # "" is the mount point itself (/dev/mail without its slash), a likely thing to type.
    app.router.add_get("", to_index, name="bare")
    app.router.add_get(f"/messages/{mail}", message_page, name="message")
    app.router.add_get(f"/messages/{mail}/html", html_part, name="html")
    app.router.add_get(f"/messages/{mail}/raw", raw_source, name="raw")
    app.router.add_get(
        f"/messages/{mail}/attachments/{{index:\\d+}}", attachment, name="attachment"
    )
    app.router.add_post("/delete-all", delete_all_form, name="delete_all")
    app.router.add_get("/api/messages", list_messages, name="api_list")
    app.router.add_delete("/api/messages", delete_messages, name="api_delete")
    app.router.add_get(f"/api/messages/{mail}", get_message, name="api_message")
    return app


# Pages


async def index_page(request: web.Request) -> web.Response:
    """The list of mails, newest first, optionally for one recipient."""
    catcher = request.app[CATCHER]
    to = request.query.get("to", "").strip()
    newest = catcher.messages()[:1]
    return _page(
        request,
        "mail/index.html",
        to=to,
        mails=[_mail_view(request, mail) for mail in catcher.messages(to=to or None)],
        # The page reloads itself when the newest mail changes (see its script).
        newest_id=newest[0].id if newest else None,
        api_url=str(request.app.router["api_list"].url_for()),
        delete_all_url=str(request.app.router["delete_all"].url_for()),
    )


async def to_index(request: web.Request) -> web.Response:
    """The mount point without its trailing slash leads to the list."""
    raise web.HTTPPermanentRedirect(location=str(request.app.router["index"].url_for()))


async def message_page(request: web.Request) -> web.Response:
    """One mail: summary, HTML part in a sandboxed frame, text part, headers, source."""
    mail = _mail_or_none(request)
    if mail is None:
        return _page(request, "mail/not_found.html", status=404)
    raw = await request.app[CATCHER].raw(mail)
    content = await asyncio.to_thread(read_content, raw)
    router = request.app.router
    return _page(
        request,
        "mail/message.html",
        mail=_mail_view(request, mail),
        html_url=str(router["html"].url_for(mail_id=mail.id)) if content.html else None,
        text_pieces=split_links(content.text) if content.text is not None else None,
        links=content.links,
        attachments=_attachments(request, mail, content),
        headers=content.headers,
        source=raw.decode("utf-8", "replace"),
        raw_url=str(router["raw"].url_for(mail_id=mail.id)),
    )


async def html_part(request: web.Request) -> web.Response:
    """A mail's HTML part, for the frame of its page: no scripts, links open in the tab."""
    mail = _mail_or_none(request)
    if mail is None:
        raise web.HTTPNotFound(text="Courriel introuvable.")
    content = await request.app[CATCHER].read(mail)
    if content.html is None:
        raise web.HTTPNotFound(text="Ce courriel n'a pas de version HTML.")
    return web.Response(
        text=_with_base_target(content.html),
        content_type="text/html",
        headers={
            "Content-Security-Policy": _MAIL_HTML_POLICY,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


async def raw_source(request: web.Request) -> web.Response:
    """The mail's file as stored, shown as plain text."""
    mail = _mail_or_none(request)
    if mail is None:
        raise web.HTTPNotFound(text="Courriel introuvable.")
    return web.Response(
        body=await request.app[CATCHER].raw(mail),
        content_type="text/plain",
        charset="utf-8",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )


async def attachment(request: web.Request) -> web.Response:
    """One attachment of a mail, as a download."""
    mail = _mail_or_none(request)
    if mail is None:
        raise web.HTTPNotFound(text="Courriel introuvable.")
    content = await request.app[CATCHER].read(mail)
    index = int(request.match_info["index"])
    if index >= len(content.attachments):
        raise web.HTTPNotFound(text="Pièce jointe introuvable.")
    part = content.attachments[index]
    safe_name = re.sub(r"[^\w.\- ]", "_", part.filename) or "piece-jointe"
    return web.Response(
        body=part.payload,
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def delete_all_form(request: web.Request) -> web.Response:
    """The "Tout supprimer" button: delete every mail, back to the list."""
    _refuse_cross_site(request)
    request.app[CATCHER].delete_all()
    raise web.HTTPSeeOther(location=str(request.app.router["index"].url_for()))


# JSON API


async def list_messages(request: web.Request) -> web.Response:
    """``GET /api/messages?to=``: summaries, newest first."""
    to = request.query.get("to", "").strip() or None
    mails = request.app[CATCHER].messages(to=to)
    return web.json_response({"items": [_summary_json(mail) for mail in mails]})


async def get_message(request: web.Request) -> web.Response:
    """``GET /api/messages/{id}``: headers, text, HTML, links and attachments."""
    mail = _mail_or_none(request)
    if mail is None:
        return _json_error(404, "mail_not_found", "Ce courriel n'existe pas ou a été supprimé.")
    catcher = request.app[CATCHER]
    content = await catcher.read(mail)
    router = request.app.router
    return web.json_response(
        {
            **_summary_json(mail),
            "headers": [{"name": name, "value": value} for name, value in content.headers],
            "text": content.text,
            "html": content.html,
            "links": list(content.links),
            "attachments": [
                {
                    "filename": part.filename,
                    "content_type": part.content_type,
                    "size": len(part.payload),
                    "url": view["url"],
                }
                for view, part in zip(
                    _attachments(request, mail, content), content.attachments, strict=True
                )
            ],
            "raw_url": str(router["raw"].url_for(mail_id=mail.id)),
        }
    )


async def delete_messages(request: web.Request) -> web.Response:
    """``DELETE /api/messages``: delete every mail."""
    _refuse_cross_site(request)
    request.app[CATCHER].delete_all()
    return web.Response(status=204)


# Helpers


def _page(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    index_url = str(request.app.router["index"].url_for())
    html = (
        request.app[TEMPLATES]
        .get_template(template)
        .render(index_url=index_url, nonce=nonce, **context)
    )
    return web.Response(
        text=html,
        status=status,
        content_type="text/html",
        headers={
            "Content-Security-Policy": _PAGE_POLICY.format(nonce=nonce),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


def _mail_or_none(request: web.Request) -> CaughtMail | None:
    return request.app[CATCHER].get(request.match_info["mail_id"])


def _mail_view(request: web.Request, mail: CaughtMail) -> dict[str, Any]:
    return {
        "id": mail.id,
        "url": str(request.app.router["message"].url_for(mail_id=mail.id)),
        "subject": mail.subject,
        "to": ", ".join(mail.recipients) or mail.to_header,
        "from_header": mail.from_header,
        "envelope_from": mail.envelope_from,
        "received_iso": mail.received_at.isoformat(),
        "received_local": _local_time(mail.received_at),
    }


def _attachments(
    request: web.Request, mail: CaughtMail, content: MailContent
) -> list[dict[str, Any]]:
    route = request.app.router["attachment"]
    return [
        {
            "filename": part.filename,
            "content_type": part.content_type,
            "size": _size(len(part.payload)),
            "url": str(route.url_for(mail_id=mail.id, index=str(index))),
        }
        for index, part in enumerate(content.attachments)
    ]


def _summary_json(mail: CaughtMail) -> dict[str, Any]:
    return {
        "id": mail.id,
        "received_at": mail.received_at.isoformat(),
        "envelope_from": mail.envelope_from,
        "from": mail.from_header,
        "to": list(mail.recipients),
        "subject": mail.subject,
    }


def _json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _refuse_cross_site(request: web.Request) -> None:
    # A page of another site must not empty the mailbox through the browser.
    if request.headers.get("Sec-Fetch-Site") == "cross-site":
        raise web.HTTPForbidden(text="Requête refusée : elle vient d'un autre site.")


def _with_base_target(html: str) -> str:
    match = _HEAD_TAG.search(html)
    if match is None:
        return _BASE_TARGET + html
    return html[: match.end()] + _BASE_TARGET + html[match.end() :]


def _local_time(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%d/%m/%Y %H:%M:%S")


def _size(length: int) -> str:
    if length < 1024:
        return f"{length} o"
    if length < 1024 * 1024:
        return f"{length / 1024:.0f} Ko"
    return f"{length / (1024 * 1024):.1f} Mo"
