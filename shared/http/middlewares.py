"""Middlewares every service application runs: the request's server span, request ids
and the body size limit."""

from __future__ import annotations

import re
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shared.logging import SERVER_SPAN, request_id_var
from shared.tracing import answered, serving

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID: web.RequestKey[str] = web.RequestKey("request_id", str)

# A client's id is kept only when it cannot forge a log line or smuggle a header.
_ACCEPTABLE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


def _request_id(request: web.Request) -> str:
    if REQUEST_ID in request:
        return request[REQUEST_ID]  # an outer application (the gateway) already chose it
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    return offered if _ACCEPTABLE_ID.match(offered) else uuid.uuid4().hex


@web.middleware
async def tracing_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Serve the request inside its server span, continuing the caller's ``traceparent``.

    Outermost, so the error middleware's lines belong to the span; once per request
    when applications are nested (the gateway's root and a mounted service).
    """
    if SERVER_SPAN in request:
        return await handler(request)
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else ""
    refused: web.HTTPException | None = None
    with serving(request.headers, request.method, route, request.rel_url.path) as span:
        request[SERVER_SPAN] = span
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            # Redirects and raised answers are answers, not failures of the span.
            answered(span, exc.status)
            refused = exc
        else:
            answered(span, response.status)
    if refused is not None:
        raise refused
    return response


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read or create ``X-Request-Id``, expose it to log lines and echo it in the answer."""
    request_id = _request_id(request)
    request[REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        # Raised answers (redirects, or errors when no error middleware runs) get it too.
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        request_id_var.reset(token)
    if not response.prepared:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def body_limit_middleware(max_bytes: int) -> Middleware:
    """Enforce ``max_bytes`` on request bodies, also when the app is a sub-application.

    aiohttp applies ``client_max_size`` of the application that accepted the
    connection (the root), so a mounted service would otherwise inherit the gateway's
    limit; a request clone carries the service's own.
    """

    @web.middleware
    async def body_limit(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.can_read_body and request.client_max_size != max_bytes:
            request = request.clone(client_max_size=max_bytes)
        return await handler(request)

    return body_limit
