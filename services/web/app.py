"""The site's aiohttp application: factory, wiring and the middlewares of every page.

The site owns no programme data: it calls the four services' public APIs (under
``WEB_API_URL``, the gateway; in the embedded default this process's own port) and
keeps only browser sessions in a database of its own.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from pymongo import AsyncMongoClient

from services.web.access import sign_in_path
from services.web.client import ApiRefusedError, ApiUnavailableError, SignedOutError
from services.web.context import SITE, Site, api_of
from services.web.rendering import VISIT, StaticFiles, render, see_other, setup_templates
from services.web.routes import add_site_routes
from services.web.security import (
    CsrfRefusedError,
    add_security_headers,
    foreign_origin,
    is_state_changing,
    submitted_token,
)
from services.web.sessions import CookiePolicy, Visit, cookie_id_of
from services.web.settings import WebSettings
from services.web.store import INDEXES, SessionStore
from shared.http import (
    STAFF_NOT_VERIFIED,
    body_limit_middleware,
    request_id_middleware,
    tracing_middleware,
)
from shared.metrics import add_metrics_route, http_metrics_middleware
from shared.mongo import Document, ensure_indexes, ping
from shared.settings import Settings

log = logging.getLogger("services.web")

# The largest form: a criminal-record extract (a PDF of 5 MB) with its fields.
MAX_FORM_BYTES = 6 * 1024 * 1024
SECRET_FILE = "web-secret"  # noqa: S105 (a file name)


def create_app(
    settings: Settings,
    mongo: AsyncMongoClient[Document],
    *,
    api_url: str | None = None,
    options: WebSettings | None = None,
) -> web.Application:
    """The site, served at ``/`` of the gateway (or mounted there by the embedded one)."""
    options = options or WebSettings()
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
    static = StaticFiles()
    site = Site(
        settings=settings,
        options=options,
        store=SessionStore(mongo[settings.database_name("web")]),
        secret=_secret(settings, options),
        api_url=api_url or options.api_url or f"http://{host}:{settings.http_port}",
        cookie=CookiePolicy(secure=settings.public_url.startswith("https://")),
        static=static,
        mongo=mongo,
    )
    app = web.Application(
        client_max_size=MAX_FORM_BYTES,
        middlewares=[
            tracing_middleware,
            http_metrics_middleware("web"),
            request_id_middleware,
            _visit_middleware,
            _error_pages_middleware,
            body_limit_middleware(MAX_FORM_BYTES),
            _csrf_middleware,
        ],
    )
    app[SITE] = site
    setup_templates(app, static)
    app.router.add_get("/static/{name}", static.serve)
    app.router.add_get("/health", _health)
    add_metrics_route(app, "web")
    add_site_routes(app.router)
    app.cleanup_ctx.append(_resources)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    site = app[SITE]
    await ensure_indexes(site.mongo[site.settings.database_name("web")], INDEXES)
    timeout = aiohttp.ClientTimeout(total=site.options.api_timeout_seconds)
    connector = aiohttp.TCPConnector(limit=200, keepalive_timeout=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        site.http = http
        yield
        site.http = None


def _secret(settings: Settings, options: WebSettings) -> bytes:
    """The key signing form tokens: configured, or kept in ``DATA_DIR/keys``."""
    if options.secret_key:
        return options.secret_key.encode()
    path: Path = settings.keys_dir / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


# --- middlewares (outermost first) ------------------------------------------------------


@web.middleware
async def _visit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Load the browser's session; write its cookie and the security headers after."""
    site = request.config_dict[SITE]
    visit = Visit(
        store=site.store,
        settings=site.options,
        secret=site.secret,
        cookie_id=cookie_id_of(request.cookies.get(site.cookie.name)),
    )
    request[VISIT] = visit
    if not request.path.startswith("/static/"):
        await visit.load()
    response = await handler(request)
    visit.write_cookie(response, site.cookie)
    add_security_headers(response, signed_in=visit.user is not None)
    return response


@web.middleware
async def _error_pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure becomes a page in French that says what to do next."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            return web.Response(status=exc.status, headers=exc.headers)
        return await _error_page(request, exc.status, headers=exc.headers)
    except CsrfRefusedError:
        return await render(request, "errors/csrf.html", status=403)
    except SignedOutError:
        await request[VISIT].sign_out()
        return see_other(sign_in_path(request, reason="expiree"))
    except ApiRefusedError as refused:
        if refused.code != STAFF_NOT_VERIFIED.code:
            raise
        return await _error_page(request, 403, headers={})
    except ApiUnavailableError:
        return await render(request, "errors/unavailable.html", status=503)
    except Exception:
        log.exception("page %s %s failed", request.method, request.path)
        return await render(request, "errors/internal.html", status=500)


async def _staff_pending_page(request: web.Request) -> web.Response | None:
    """For a member of an educational team not yet confirmed, why a page is closed."""
    user = request[VISIT].user
    if user is None or user.role != "staff":
        return None
    try:
        me = await api_of(request).get("/accounts/me")
    except (ApiRefusedError, ApiUnavailableError, SignedOutError):
        return None  # the plain page then: an error page must not fail in turn
    if me["staff"]["verification"]["status"] == "verified":
        return None
    return await render(request, "errors/staff_pending.html", {"me": me}, status=403)


async def _error_page(request: web.Request, status: int, headers: Any) -> web.Response:
    if status == 403:
        pending = await _staff_pending_page(request)
        if pending is not None:
            return pending
    template = {403: "errors/forbidden.html", 404: "errors/not_found.html"}.get(
        status, "errors/bad_request.html"
    )
    response = await render(request, template, {"status": status}, status=status)
    if status == 405 and "Allow" in headers:
        response.headers["Allow"] = headers["Allow"]
    return response


@web.middleware
async def _csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A state-changing request must carry this browser's form token."""
    if is_state_changing(request):
        token = await submitted_token(request)
        if foreign_origin(request) or not request[VISIT].csrf_valid(token):
            raise CsrfRefusedError()
    return await handler(request)


async def _health(request: web.Request) -> web.Response:
    """The site's own state, for the orchestrator: its database answers."""
    site = request.config_dict[SITE]
    database_up = await ping(site.mongo)
    return web.json_response(
        {"status": "ok" if database_up else "degraded", "service": "web"},
        status=200 if database_up else 503,
    )
