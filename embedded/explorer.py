"""The API explorer: a page listing every service's operations, to try them by hand.

It reads each service's ``/api/<service>/openapi.json`` in the browser, groups the
operations by service, and sends requests with a JSON body and a bearer token; it
links each service's ``/api/<service>/asyncapi.json`` and lists the events in it. Plain
HTML and JavaScript served by the platform itself: no CDN, the page works offline.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

_STATIC = Path(__file__).parent / "static"
EXPLORER_PATH = "/dev/api"
ASSETS_PATH = "/dev/api/assets"
MAIL_URL = "/dev/mail/"

_ASSETS = {
    "explorer.js": "text/javascript",
    "explorer.css": "text/css",
}
_PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def add_api_explorer(
    app: web.Application, services: Sequence[str], *, mail_url: str = MAIL_URL
) -> None:
    """Serve the explorer at ``/dev/api`` of ``app`` for ``services``.

    ``mail_url`` is where the page points for the caught mails.
    """
    page = _page(services, mail_url).encode()
    assets = {name: _static(name).encode() for name in _ASSETS}

    async def explorer_page(request: web.Request) -> web.Response:
        return web.Response(
            body=page,
            content_type="text/html",
            charset="utf-8",
            headers={"Content-Security-Policy": _PAGE_POLICY, "X-Content-Type-Options": "nosniff"},
        )

    async def asset(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in assets:
            raise web.HTTPNotFound()
        return web.Response(
            body=assets[name],
            content_type=_ASSETS[name],
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"},
        )

    app.router.add_get(EXPLORER_PATH, explorer_page)
    app.router.add_get(ASSETS_PATH + "/{name}", asset)


def _page(services: Sequence[str], mail_url: str) -> str:
    config = json.dumps({"services": list(services)})
    # Inside <script type="application/json">, "</" could close the element early.
    config = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    # str.replace rather than format(): the page's own braces stay as they are.
    return (
        _static("explorer.html")
        .replace("{config}", config)
        .replace("{assets}", ASSETS_PATH)
        .replace("{mail_url}", html.escape(mail_url, quote=True))
    )


def _static(name: str) -> str:
    return (_STATIC / name).read_text(encoding="utf-8")
