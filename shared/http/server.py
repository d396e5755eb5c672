"""The HTTP server of a process: requests aiohttp refuses before any application sees them.

aiohttp's parser refuses a malformed request, or a request line or header longer than
8,190 bytes, before routing: no middleware runs, the answer is plain text and the error
log gets a traceback. Anyone can send such requests, so here they get the JSON error
shape and the API headers, and one warning line without the request's content.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong
from aiohttp.web_protocol import RequestHandler

from shared.http.errors import HEADERS_TOO_LARGE, INVALID_REQUEST
from shared.http.headers import set_api_headers

log = logging.getLogger("shared.http.server")


class _JsonErrorRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering the client's own faults in JSON."""

    __slots__ = ()  # same layout as its parent: an existing handler can become one

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if not isinstance(exc, BadHttpMessage) or status >= 500:
            return super().handle_error(request, status, exc, message)
        if request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        kind = HEADERS_TOO_LARGE if isinstance(exc, LineTooLong) else INVALID_REQUEST
        # The request's bytes are the client's: never written to the log.
        log.warning(
            "request refused before routing: %s",
            kind.code,
            extra={"status": kind.status, "peer": request.remote},
        )
        response = kind.error().to_response()
        set_api_headers(response)
        response.force_close()
        return response


class _ConnectionFactory:
    """Makes aiohttp's connection handlers, turned into the JSON-answering kind."""

    def __init__(self, server: web.Server) -> None:
        self._server = server

    def __call__(self) -> RequestHandler:
        handler = self._server()
        handler.__class__ = _JsonErrorRequestHandler
        return handler

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


class ApiRunner(web.AppRunner):
    """``web.AppRunner`` whose sites answer malformed or oversized requests in JSON."""

    @property
    def server(self) -> Any:
        """The protocol factory the sites listen with."""
        server = super().server
        return None if server is None else _ConnectionFactory(server)
