"""Assembling a service's aiohttp application, and the root that mounts services."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp.web_urldispatcher import AbstractRuleMatching, MatchedSubAppResource

from shared.http.auth import TOKEN_VERIFIER, AccessTokenVerifier
from shared.http.errors import error_middleware
from shared.http.headers import api_headers_on_prepare, root_headers_on_prepare
from shared.http.middlewares import (
    body_limit_middleware,
    request_id_middleware,
    tracing_middleware,
)
from shared.http.routing import Router
from shared.metrics import http_metrics_middleware

SERVICE_PREFIX: web.AppKey[str] = web.AppKey("service_prefix", str)


def service_web_app(
    *,
    prefix: str,
    router: Router | None,
    verifier: AccessTokenVerifier | None,
    max_body_bytes: int,
    middlewares: Sequence[Middleware] = (),
) -> web.Application:
    """A service's application: its routes, ``/openapi.json``, server spans, request ids,
    JSON errors, the API headers (``no-store``, ``nosniff``) on every answer, and its
    HTTP metrics (labelled with the last part of ``prefix``, the service's name).

    Without a router it is a bare root to mount services on (see :func:`root_web_app`).

    Mount it at ``prefix`` with :func:`root_web_app` (the embedded platform, or one
    service per process behind the gateway). ``middlewares`` run inside the shared ones,
    so what they raise becomes a JSON error too.
    """
    app = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[
            tracing_middleware,
            http_metrics_middleware(prefix.rsplit("/", 1)[-1]),
            request_id_middleware,
            error_middleware,
            body_limit_middleware(max_body_bytes),
            *middlewares,
        ],
    )
    app[SERVICE_PREFIX] = prefix
    app.on_response_prepare.append(api_headers_on_prepare)
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

    Paths outside every service get the same JSON 404, with the API headers; a
    verifier given here serves every mounted service that has none of its own.
    """
    root = web.Application(
        client_max_size=max_body_bytes,
        middlewares=[tracing_middleware, request_id_middleware, error_middleware],
    )
    root.on_response_prepare.append(root_headers_on_prepare)
    if verifier is not None:
        root[TOKEN_VERIFIER] = verifier
    for service in services:
        root.add_subapp(service[SERVICE_PREFIX], service)
    return root


class _OutsideOf(AbstractRuleMatching):
    """Matches every path except those under the reserved prefixes."""

    def __init__(self, reserved: Sequence[str]) -> None:
        self._reserved = tuple(prefix.rstrip("/") for prefix in reserved)

    async def match(self, request: web.Request) -> bool:
        path = request.rel_url.path
        return not any(path == prefix or path.startswith(prefix + "/") for prefix in self._reserved)

    def get_info(self) -> Any:
        return {"reserved": self._reserved}

    @property
    def canonical(self) -> str:
        return "*"


def mount_at_root(root: web.Application, site: web.Application, *, reserved: Sequence[str]) -> None:
    """Serve ``site`` at ``/`` of ``root``, except under the ``reserved`` prefixes.

    aiohttp mounts sub-applications under a prefix only; a rule-matched sub-application
    (the mechanism of ``add_domain``) lets the site answer every other path, with its
    own middlewares and its own (HTML) 404, while the services keep theirs.
    """
    rule = _OutsideOf(reserved)
    root._add_subapp(functools.partial(MatchedSubAppResource, rule, site), site)
