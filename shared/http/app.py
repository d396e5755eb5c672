"""Assembling a service's aiohttp application, and the root that mounts services."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aiohttp import web
from aiohttp.typedefs import Middleware

from shared.http.auth import TOKEN_VERIFIER, AccessTokenVerifier
from shared.http.errors import error_middleware
from shared.http.middlewares import body_limit_middleware, request_id_middleware
from shared.http.routing import Router

SERVICE_PREFIX: web.AppKey[str] = web.AppKey("service_prefix", str)


def service_web_app(
    *,
    prefix: str,
    router: Router | None,
    verifier: AccessTokenVerifier | None,
    max_body_bytes: int,
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    """A service's application: its routes, ``/openapi.json``, request ids, JSON errors.

    Without a router it is a bare root to mount services on (see :func:`root_web_app`).

    Mount it at ``prefix`` with :func:`root_web_app` (the embedded platform, or one
    service per process behind the gateway). ``middlewares`` run inside the shared ones,
    so what they raise becomes a JSON error too.
    """
    app = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[
            request_id_middleware,
            error_middleware,
            body_limit_middleware(max_body_bytes),
            *middlewares,
        ],
    )
    app[SERVICE_PREFIX] = prefix
    if verifier is not None:
        app[TOKEN_VERIFIER] = verifier
    if router is not None:
        router.install(app, prefix=prefix)
    return app


def root_web_app(
    services: Iterable[web.Application],
    *,
    max_body_bytes: int,
    verifier: AccessTokenVerifier | None = None,
) -> web.Application:
    """The application a process serves: each service mounted at its own prefix.

    Paths outside every service get the same JSON 404; a verifier given here serves
    every mounted service that has none of its own.
    """
    root = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[request_id_middleware, error_middleware],
    )
    if verifier is not None:
        root[TOKEN_VERIFIER] = verifier
    for service in services:
        root.add_subapp(service[SERVICE_PREFIX], service)
    return root
