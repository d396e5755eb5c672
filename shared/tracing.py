"""Traces across services: W3C trace context from a request to the email it causes.

A trace starts (or continues, from an incoming ``traceparent``) at the HTTP server
span of ``shared.http.middlewares.tracing_middleware``; an outbox entry keeps the
context of the request that wrote it (:func:`current_carrier`); the bus publishes the
event under a producer span with that context in the message's headers
(:func:`publishing`) and runs the consumer's handler in a child span
(:func:`consuming`); the notifier keeps the handler's context on each delivery record
and sends the email in a span of that trace (:func:`continued`). Every log line
written inside a span carries its ids (:func:`log_ids`, read by ``shared.logging``).

Off by default: unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, spans are created by a sampler that
records nothing and exports nothing; they still get real ids, so the context
propagates and log lines carry the trace id at the cost of two random numbers per
span. When set, spans go in batches to that OTLP/HTTP endpoint, configured by the
SDK's standard ``OTEL_*`` variables (service name, headers, sampler, batch delays).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from shared.events import Envelope

log = logging.getLogger("shared.tracing")

T = TypeVar("T")
A = TypeVar("A")
Attributes = Mapping[str, str | int | float | bool]

# W3C Trace Context only: ``traceparent`` and ``tracestate``, never baggage (it could
# carry anything from outside into every service's logs).
_PROPAGATOR = TraceContextTextMapPropagator()
_CARRIER_KEYS = frozenset(_PROPAGATOR.fields)
ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
# What a deployment may give every process to export and label its traces: the endpoint
# (read here), the rest read by the OpenTelemetry SDK itself (README, "Configuration").
DEPLOYMENT_VARIABLES = (
    *ENDPOINT_VARIABLES,
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "OTEL_EXPORTER_OTLP_HEADERS",
)
INSTRUMENTATION = "prochorientation"


def _silent_provider() -> TracerProvider:
    # Ids without recording: the sampler says no to every span, so the SDK hands out
    # non-recording spans that still have a fresh trace and span id.
    return TracerProvider(sampler=ALWAYS_OFF, shutdown_on_exit=False)


_provider: TracerProvider = _silent_provider()
_tracer: trace.Tracer = _provider.get_tracer(INSTRUMENTATION)


def exporting_endpoint(environ: Mapping[str, str] = os.environ) -> str | None:
    """The OTLP endpoint spans are exported to, or ``None`` when tracing is off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    for name in ENDPOINT_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def configure_tracing(
    service: str,
    *,
    environ: Mapping[str, str] = os.environ,
    exporter: SpanExporter | None = None,
    batched: bool = False,
) -> bool:
    """Set how this process's spans are recorded; returns whether they are exported.

    With an OTLP endpoint in ``environ`` (see module docstring), spans of ``service``
    (unless ``OTEL_SERVICE_NAME`` names it otherwise) go to it in batches from a
    background thread. ``exporter`` (tests, benchmarks) receives every span instead,
    as it ends or, ``batched``, in batches as the OTLP exporter would.
    Without either, spans have ids but are neither recorded nor exported. Calling it
    again replaces the previous set-up, flushing what it held.
    """
    global _provider, _tracer
    processor: SpanProcessor | None = None
    if exporter is not None:
        processor = BatchSpanProcessor(exporter) if batched else SimpleSpanProcessor(exporter)
    elif exporting_endpoint(environ) is not None:
        # Imported only when used: a process with tracing off loads no exporter.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    previous = _provider
    if processor is None:
        _provider = _silent_provider()
    else:
        named = {} if environ.get("OTEL_SERVICE_NAME") else {"service.name": service}
        # The sampler comes from OTEL_TRACES_SAMPLER (default: parent-based, always on).
        _provider = TracerProvider(resource=Resource.create(named))
        _provider.add_span_processor(processor)
        log.info(
            "traces exported",
            extra={"endpoint": exporting_endpoint(environ) or "in process", "service": service},
        )
    _tracer = _provider.get_tracer(INSTRUMENTATION)
    previous.shutdown()
    return processor is not None


def shutdown_tracing() -> None:
    """Export the spans still waiting and stop recording (end of the process or a test)."""
    global _provider, _tracer
    _provider.shutdown()
    _provider = _silent_provider()
    _tracer = _provider.get_tracer(INSTRUMENTATION)


# -- carriers: the context as text, in headers or stored --------------------------------


def current_carrier() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``…), to store or send;
    empty outside a span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier


def inject(headers: MutableMapping[str, str]) -> None:
    """Add the current trace context to outgoing HTTP ``headers``."""
    _PROPAGATOR.inject(headers)


def carrier_of(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """The trace-context entries of ``headers`` (an AMQP table, a stored record), as text."""
    if not headers:
        return {}
    carrier: dict[str, str] = {}
    for key in _CARRIER_KEYS:
        value = headers.get(key)
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        if isinstance(value, str):
            carrier[key] = value
    return carrier


def _context_of(carrier: Mapping[str, Any] | None) -> otel_context.Context:
    # A malformed traceparent gives an empty context: the span starts a new trace.
    return _PROPAGATOR.extract(carrier_of(carrier), context=otel_context.Context())


# -- spans ------------------------------------------------------------------------------


@contextlib.contextmanager
def continued(
    carrier: Mapping[str, Any] | None,
    name: str,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: Attributes | None = None,
) -> Iterator[trace.Span]:
    """A current span, child of the context ``carrier`` holds (a new trace without one).

    An exception leaving the block is recorded on the span, which is then in error.
    """
    with _tracer.start_as_current_span(
        name, context=_context_of(carrier), kind=kind, attributes=attributes
    ) as span:
        yield span


@contextlib.contextmanager
def serving(headers: Mapping[str, str], method: str, route: str, path: str) -> Iterator[trace.Span]:
    """The server span of an HTTP request, continuing the caller's ``traceparent``.

    ``route`` is the matched route's template (``/api/agenda/appointments/{id}``), so
    spans of one endpoint share a name and no identifier lands in it.
    """
    attributes = {"http.request.method": method, "http.route": route, "url.path": path}
    name = f"{method} {route}" if route else method
    with continued(headers, name, kind=SpanKind.SERVER, attributes=attributes) as span:
        yield span


def answered(span: trace.Span, status: int) -> None:
    """Record an HTTP answer's status on its server span (a 5xx puts it in error)."""
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


def _event_attributes(envelope: Envelope, system: str) -> dict[str, str | int | float | bool]:
    return {
        "messaging.system": system,
        "messaging.destination.name": envelope.type,
        "messaging.message.id": str(envelope.id),
        "event.producer": envelope.producer,
    }


@contextlib.contextmanager
def publishing(envelope: Envelope, *, system: str) -> Iterator[dict[str, str]]:
    """The producer span of one event's publish, child of the context it was written in
    (``Envelope.trace_context``); yields the headers that carry it to the consumers."""
    with continued(
        envelope.trace_context,
        f"send {envelope.type}",
        kind=SpanKind.PRODUCER,
        attributes=_event_attributes(envelope, system),
    ):
        yield current_carrier()


@contextlib.contextmanager
def consuming(
    envelope: Envelope, headers: Mapping[str, Any] | None, *, queue: str, system: str
) -> Iterator[trace.Span]:
    """The span of a handler processing one delivery, child of the publish whose
    context the message's ``headers`` carry."""
    attributes = {**_event_attributes(envelope, system), "messaging.consumer.group.name": queue}
    with continued(
        headers, f"process {envelope.type}", kind=SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span


def in_caller_context(work: Callable[[A], Awaitable[T]]) -> Callable[[A], Awaitable[T]]:
    """``work`` bound to the trace context current now, wherever it is awaited later.

    For work handed to another task (the group commit's writer): what it writes and
    logs belongs to the request that handed it over, not to the one that started the
    writer.
    """
    caller = otel_context.get_current()

    async def bound(argument: A) -> T:
        token = otel_context.attach(caller)
        try:
            return await work(argument)
        finally:
            otel_context.detach(token)

    return bound


def log_ids(span: trace.Span | None = None) -> tuple[str, str] | None:
    """``(trace_id, span_id)`` of ``span`` (the current one by default) in hexadecimal,
    ``None`` outside a span."""
    span_context = (span or trace.get_current_span()).get_span_context()
    if not span_context.is_valid:
        return None
    return format(span_context.trace_id, "032x"), format(span_context.span_id, "016x")
