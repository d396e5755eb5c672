"""Log lines for operators: one JSON object per line (or plain text), secrets redacted.

Every line carries the id of the HTTP request being served (``request_id_var``, set by
``shared.http.middlewares.request_id_middleware``) so one request can be followed
across a service's lines, and every line written inside a span its ``trace_id`` and
``span_id`` (``shared.tracing``), so one solicitation can be followed across services.
Values that could open an account (passwords, tokens in links, ``Authorization``
headers, cookies) never reach the output: the redaction filter rewrites them whatever
logger emitted them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from opentelemetry.trace import Span

from shared.broker_logs import install_broker_filter
from shared.tracing import log_ids

if TYPE_CHECKING:
    from aiohttp.web import BaseRequest, StreamResponse

    from shared.settings import Settings

REDACTED = "[redacted]"

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# A request's server span (``shared.http.middlewares.tracing_middleware``): the access
# line, written once the span has ended, names its trace.
SERVER_SPAN: web.RequestKey[Span] = web.RequestKey("server_span", Span)

# A key is secret when its name contains one of these (case-insensitive):
# "access_token", "X-Auth-Token", "smtp_password", "Set-Cookie"…
_SECRET_KEY_PARTS = ("password", "passwd", "token", "secret", "authorization", "cookie", "api_key")
_SECRET_NAME = "|".join(_SECRET_KEY_PARTS)
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # token=… in query strings and URLs (links in emails carry them).
    (re.compile(rf"(?i)\b([\w.-]*(?:{_SECRET_NAME})[\w.-]*=)[^&\s\"'<>]+"), rf"\1{REDACTED}"),
    # "password": "…" inside a JSON text that somebody logged whole.
    (
        re.compile(rf"(?i)(\"[\w.-]*(?:{_SECRET_NAME})[\w.-]*\"\s*:\s*)\"(?:[^\"\\]|\\.)*\""),
        rf'\1"{REDACTED}"',
    ),
    # Authorization header values written in prose.
    (re.compile(r"(?i)\b(bearer)\s+[\w\-.~+/]+=*"), rf"\1 {REDACTED}"),
    (re.compile(r"\b(Basic)\s+[A-Za-z0-9+/]{8,}=*"), rf"\1 {REDACTED}"),
    # A bare JSON Web Token anywhere.
    (re.compile(r"\beyJ[\w-]+\.eyJ[\w-]+\.[\w-]+"), REDACTED),
)

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "trace_id", "span_id", "taskName"}
)


def is_secret_key(key: str) -> bool:
    """Whether a field named ``key`` holds a secret whose value must not be logged."""
    lowered = key.lower()
    return any(part in lowered for part in _SECRET_KEY_PARTS)


def redact_text(text: str) -> str:
    """``text`` with ``token=…``, bearer credentials, JWTs and JSON secrets replaced."""
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(value: Any) -> Any:
    """A copy of ``value`` (dict, list, str, …) safe to log: secret keys and texts redacted."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            key: REDACTED if isinstance(key, str) and is_secret_key(key) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    return value


class RedactionFilter(logging.Filter):
    """Rewrites a record's message and ``extra`` fields so no secret is emitted.

    Attached to the handler (not a logger) so it sees the records of every logger,
    aiohttp's and libraries' included. It also stamps the current request id and,
    inside a span, the trace and span ids.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact ``record`` in place; never drops it."""
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!s} {record.args!r}"
        record.msg = redact_text(message)
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key in _RECORD_ATTRIBUTES:
                continue
            record.__dict__[key] = REDACTED if is_secret_key(key) else redact(value)
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "trace_id", None) is None:
            ids = log_ids()
            if ids is not None:
                record.trace_id, record.span_id = ids
        record._redacted = True
        return True


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _RECORD_ATTRIBUTES and not key.startswith("_")
    }


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the trace and
    span ids (inside a span), extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single-line JSON document."""
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        trace_id = getattr(record, "trace_id", None)
        if trace_id is not None:
            line["trace_id"] = trace_id
            line["span_id"] = getattr(record, "span_id", None)
        for key, value in _extra_fields(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exception"] = redact_text(self.formatException(record.exc_info))
        elif record.exc_text:
            line["exception"] = redact_text(record.exc_text)
        if record.stack_info:
            line["stack"] = redact_text(self.formatStack(record.stack_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Plain lines for a person at a terminal: ``time LEVEL logger [request] message k=v``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text; the traceback, if any, on the following lines."""
        request_id = getattr(record, "request_id", None)
        parts = [_timestamp(record), f"{record.levelname:<7}", record.name]
        if request_id:
            parts.append(f"[{request_id}]")
        parts.append(record.getMessage())
        parts.extend(f"{key}={value}" for key, value in _extra_fields(record).items())
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + redact_text(self.formatException(record.exc_info))
        if record.stack_info:
            text += "\n" + redact_text(self.formatStack(record.stack_info))
        return text


class _PlatformHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler ``configure_logging`` installed, so a second call replaces it."""


def configure_logging(settings: Settings, *, stream: IO[str] | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as JSON lines or text, redacted,
    with the broker client's reconnection lines lowered to DEBUG.

    Idempotent: calling it again replaces the handler it installed before. Returns
    the handler (tests read what it wrote through ``stream``).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _PlatformHandler):
            root.removeHandler(handler)
    handler = _PlatformHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # A broker connection being restored is one warning of the bus, not hundreds of
    # aio-pika and aiormq errors (see ``shared.broker_logs``).
    install_broker_filter()
    return handler


def _trace_fields(request: BaseRequest) -> dict[str, str]:
    span = request.get(SERVER_SPAN)
    ids = log_ids(span) if span is not None else None
    return {"trace_id": ids[0], "span_id": ids[1]} if ids else {}


class AccessLogger(AbstractAccessLogger):
    """aiohttp access log: method, path without query string, status, duration, request id.

    Never headers nor the query string: both may carry credentials or tokens.
    Pass it as ``access_log_class`` to ``web.AppRunner`` / ``web.run_app``.
    """

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Write one line for a finished request."""
        self.logger.info(
            "%s %s %s",
            request.method,
            request.rel_url.path,
            response.status,
            extra={
                "method": request.method,
                "path": request.rel_url.path,
                "status": response.status,
                "duration_ms": round(time * 1000, 2),
                "request_id": response.headers.get("X-Request-Id"),
                **_trace_fields(request),
            },
        )

    @property
    def enabled(self) -> bool:
        """Skip the work when INFO is filtered out."""
        return self.logger.isEnabledFor(logging.INFO)
