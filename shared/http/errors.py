"""The JSON error shape of every answer that is not a success.

A service declares its catalogue as module constants, their French wording in the
package's ``data/errors.toml`` (see ``ErrorCatalogue``)::

    CATALOGUE = ErrorCatalogue.of_package("services.agenda")
    APPOINTMENT_NOT_FOUND = CATALOGUE.kind(404, "appointment_not_found")
    raise APPOINTMENT_NOT_FOUND.error()
    raise SLOT_TAKEN.error(slot=2)  # details: {"slot": 2}

``error_middleware`` turns every failure (an ``ApiError``, aiohttp's own 404/405/413…,
or a bug) into ``{"error": {"code": …, "message": …, "details"?: …}}``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import BaseModel, Field

from shared.logging import request_id_var
from shared.transient import is_transient

logger = logging.getLogger(__name__)

_SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
# Headers of aiohttp's exceptions that the JSON answer keeps (RFC 9110 asks for them).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


class ApiError(Exception):
    """An answer with an error status, a stable ``code`` and a French ``message``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, Any]:
        """The JSON document sent to the client."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}

    def to_response(self) -> web.Response:
        """The aiohttp response carrying this error."""
        return web.json_response(self.body(), status=self.status, headers=self.headers)


@dataclass(frozen=True, slots=True)
class ErrorKind:
    """One entry of a service's error catalogue: status, code and French message."""

    status: int
    code: str
    message: str

    def __post_init__(self) -> None:
        if not 400 <= self.status <= 599:
            raise ValueError(f"error status must be 4xx or 5xx, not {self.status}")
        if not _SNAKE_CASE.match(self.code):
            raise ValueError(f"error code must be snake_case: {self.code!r}")

    def error(
        self,
        message: str | None = None,
        /,
        *,
        headers: Mapping[str, str] | None = None,
        **details: Any,
    ) -> ApiError:
        """An exception to raise; keyword arguments become ``details``."""
        return ApiError(
            self.status,
            self.code,
            message or self.message,
            details=details or None,
            headers=headers,
        )


class ErrorCatalogue:
    """The French wording of a package's errors, kept in its ``data/errors.toml``.

    Wording is data, reviewed in one file per service apart from code (as a gettext
    catalogue is), while the errors module keeps one typed line per error. The file maps
    each code to its message; a code answered with two wordings names each one
    (``link_expired.email_change = "…"``, taken with ``variant="email_change"``). A code
    without wording fails at import; ``unused()`` lists wording no error took.
    """

    def __init__(self, source: str, wording: Mapping[str, Any]) -> None:
        self._source = source
        self._wording: dict[str, str] = {}
        for code, text in wording.items():
            variants = text if isinstance(text, Mapping) else {"": text}
            for variant, message in variants.items():
                key = f"{code}.{variant}" if variant else code
                if not isinstance(message, str) or not message.strip():
                    raise ValueError(f"{source}: the wording of {key} must be a non-empty text")
                self._wording[key] = message
        self._taken: set[str] = set()

    @classmethod
    def of_package(cls, package: str) -> ErrorCatalogue:
        """The catalogue in ``data/errors.toml`` of ``package`` (a dotted module name)."""
        text = resources.files(package).joinpath("data", "errors.toml").read_text("utf-8")
        return cls(f"{package}: data/errors.toml", tomllib.loads(text))

    def kind(self, status: int, code: str, *, variant: str | None = None) -> ErrorKind:
        """The error ``code`` answered with ``status`` and its wording (``variant``'s one)."""
        key = f"{code}.{variant}" if variant else code
        message = self._wording.get(key)
        if message is None:
            variants = sorted(k for k in self._wording if k.startswith(f"{code}."))
            hint = f" (it has {', '.join(variants)}: name the variant)" if variants else ""
            raise LookupError(f"{self._source} has no wording for {key}{hint}")
        self._taken.add(key)
        return ErrorKind(status, code, message)

    def unused(self) -> list[str]:
        """The keys of the wording that no error took, sorted (a test wants none)."""
        return sorted(self._wording.keys() - self._taken)


CATALOGUE = ErrorCatalogue.of_package("shared.http")

INVALID_REQUEST = CATALOGUE.kind(400, "invalid_request")
MALFORMED_JSON = CATALOGUE.kind(400, "malformed_json")
UNAUTHORIZED = CATALOGUE.kind(401, "unauthorized", variant="general")
SESSION_EXPIRED = CATALOGUE.kind(401, "unauthorized", variant="session_expired")
FORBIDDEN = CATALOGUE.kind(403, "forbidden")
# A member of an educational team whose attachment to the establishment is not proved.
STAFF_NOT_VERIFIED = CATALOGUE.kind(403, "staff_not_verified")
NOT_FOUND = CATALOGUE.kind(404, "not_found")
METHOD_NOT_ALLOWED = CATALOGUE.kind(405, "method_not_allowed")
CONFLICT = CATALOGUE.kind(409, "conflict")
PAYLOAD_TOO_LARGE = CATALOGUE.kind(413, "payload_too_large")
# Answered before routing, by the platform's runner: an address or a header too long.
HEADERS_TOO_LARGE = CATALOGUE.kind(431, "request_header_too_large")
UNSUPPORTED_MEDIA_TYPE = CATALOGUE.kind(415, "unsupported_media_type")
TOO_MANY_REQUESTS = CATALOGUE.kind(429, "too_many_requests")
INTERNAL_ERROR = CATALOGUE.kind(500, "internal_error")
SERVICE_UNAVAILABLE = CATALOGUE.kind(503, "service_unavailable", variant="general")
# The database kept failing in a way that passes (a conflict with another write, a
# primary being elected) after the bounded retries: the request may simply be sent again.
STORE_BUSY = CATALOGUE.kind(503, "service_unavailable", variant="store_busy")
STORE_BUSY_RETRY_AFTER_SECONDS = 1

_BY_STATUS = {
    kind.status: kind
    for kind in (
        INVALID_REQUEST,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        CONFLICT,
        PAYLOAD_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        TOO_MANY_REQUESTS,
        INTERNAL_ERROR,
        SERVICE_UNAVAILABLE,
    )
}


def too_many_requests(retry_after_seconds: int) -> ApiError:
    """429 with the ``Retry-After`` header a client should honour."""
    seconds = max(1, int(retry_after_seconds))
    return TOO_MANY_REQUESTS.error(
        headers={"Retry-After": str(seconds)}, retry_after_seconds=seconds
    )


def from_http_exception(exc: web.HTTPException) -> ApiError:
    """The JSON error for one of aiohttp's exceptions (404, 405, 413…)."""
    kind = _BY_STATUS.get(exc.status)
    if kind is None:
        code = re.sub(r"[^a-z0-9]+", "_", (exc.reason or "error").lower()).strip("_")
        generic = "La requête ne peut pas être traitée." if exc.status < 500 else None
        kind = ErrorKind(exc.status, code or "error", generic or INTERNAL_ERROR.message)
    headers = {name: exc.headers[name] for name in _KEPT_HEADERS if name in exc.headers}
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        # aiohttp's text says "Maximum request body size N exceeded, actual body size M".
        sizes = [int(number) for number in re.findall(r"\d+", exc.text or "")]
        if sizes:
            return kind.error(headers=headers, max_bytes=sizes[0])
    return kind.error(headers=headers)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into the JSON error shape; log unexpected ones with a traceback.

    Works on a root application and on a sub-application: aiohttp runs a sub-app's
    middlewares for its own 404/405 too, and an answer already converted passes through.
    """
    try:
        return await handler(request)
    except ApiError as error:
        return error.to_response()
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and 2xx exceptions are answers, not errors
        return from_http_exception(exc).to_response()
    except (asyncio.CancelledError, KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:
        if is_transient(error):
            return _store_busy(request, error)
        logger.exception(
            "unhandled error in %s %s",
            request.method,
            request.rel_url.path,
            extra={"method": request.method, "path": request.rel_url.path},
        )
        request_id = request_id_var.get()
        if request_id is None:
            return INTERNAL_ERROR.error().to_response()
        return INTERNAL_ERROR.error(request_id=request_id).to_response()


def _store_busy(request: web.Request, error: Exception) -> web.Response:
    """A transient database error that outlived its retries: 503, one warning."""
    logger.warning(
        "database busy in %s %s: %s",
        request.method,
        request.rel_url.path,
        type(error).__name__,
        extra={"method": request.method, "path": request.rel_url.path},
    )
    headers = {"Retry-After": str(STORE_BUSY_RETRY_AFTER_SECONDS)}
    request_id = request_id_var.get()
    if request_id is None:
        return STORE_BUSY.error(headers=headers).to_response()
    return STORE_BUSY.error(headers=headers, request_id=request_id).to_response()


class ErrorContent(BaseModel):
    """What ``error`` holds in an error answer."""

    code: str = Field(description="Code stable en snake_case, à tester par les clients.")
    message: str = Field(description="Explication en français, à montrer aux personnes.")
    details: Any = Field(None, description="Précisions selon le code (champs invalides…).")


class ErrorResponse(BaseModel):
    """The body of every error answer (documented in OpenAPI)."""

    error: ErrorContent
