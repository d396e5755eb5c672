"""Prometheus metrics every service serves at ``/metrics``: definitions, hooks, the page.

One registry per process (``prometheus_client``'s default, with its process and
Python collectors). Every metric of the platform carries a ``service`` label, so that
the embedded platform, where several services share one process and one bus, shows each
service its own figures at ``/api/<service>/metrics``; what belongs to the process
(memory, CPU, garbage collector) appears on each of them.

HTTP metrics are labelled with the route's template (``/api/agenda/appointments/{id}``),
never the path a client sent: a path per identifier would make a series per request.

Figures read from a database (outbox entries waiting, the notifier's backlog) are read
when Prometheus scrapes, by the service's :data:`ScrapeHook` functions, one cheap
indexed query each, never per request.

``/metrics`` is for the deployment's own Prometheus, not for the Internet: a request
that came through a proxy (it carries ``X-Forwarded-For``, ``Forwarded`` or
``X-Real-IP``, which the gateway and the Kubernetes ingress add) is answered 404.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Generic, TypeVar

import prometheus_client
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from prometheus_client import Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

log = logging.getLogger("shared.metrics")

# ``_created`` series double every counter and histogram for a figure nobody graphs.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

REGISTRY = prometheus_client.REGISTRY
METRICS_PATH = "/metrics"
# Headers a reverse proxy adds: their presence means the request came from outside.
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
# Label of requests that matched no route (unknown paths must not make new series).
UNMATCHED_ROUTE = "unmatched"
# How long a scrape waits for the figures read from a database.
SCRAPE_HOOK_SECONDS = 3.0

# -- HTTP ----------------------------------------------------------------------------

HTTP_REQUEST_SECONDS = Histogram(
    "po_http_request_duration_seconds",
    "HTTP requests answered, by route template and status, and how long they took.",
    ["service", "method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0),
)

# -- events --------------------------------------------------------------------------

EVENTS_PUBLISHED = Counter(
    "po_events_published",
    "Events confirmed by the bus, by producing service and event type.",
    ["service", "type"],
)
EVENTS_CONSUMED = Counter(
    "po_events_consumed",
    "Events whose handler succeeded, by consuming service and event type.",
    ["service", "type"],
)
EVENTS_RETRIED = Counter(
    "po_events_retried",
    "Handler failures followed by a delayed retry, by consuming service and event type.",
    ["service", "type"],
)
EVENTS_PARKED = Counter(
    "po_events_parked",
    "Messages set aside in the parking queue, by consuming service, event type and "
    "reason (handler_failed: after the last retry; unreadable: not a readable event).",
    ["service", "type", "reason"],
)

# -- outbox --------------------------------------------------------------------------

OUTBOX_WAITING = Gauge(
    "po_outbox_waiting",
    "Outbox entries not yet published, read at scrape time.",
    ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "po_outbox_oldest_age_seconds",
    "Age of the oldest outbox entry not yet published (0 when none waits), read at scrape time.",
    ["service"],
)

# -- a service's own metrics ----------------------------------------------------------


M = TypeVar("M", Counter, Gauge, Histogram)


class ServiceMetric(Generic[M]):
    """One of a service's own metrics, its ``service`` label already set."""

    def __init__(self, metric: M, service: str) -> None:
        self._metric: M = metric
        self._service = service

    def labels(self, *values: str) -> M:
        """The series for ``values``, the labels that follow ``service``."""
        return self._metric.labels(self._service, *values)


class ServiceMetrics:
    """Declares the metrics one service adds to the shared ones, served with them at
    ``/api/<service>/metrics``.

    Each is named ``po_<service>_<name>`` and carries the ``service`` label first:
    without that label, :func:`exposition` would show it on every service's page. The
    label is set here, once: the service gives only its own labels' values.
    """

    def __init__(self, service: str) -> None:
        self.service = service

    def _name(self, name: str) -> str:
        return f"po_{self.service}_{name}"

    def _bound(self, metric: M) -> ServiceMetric[M]:
        return ServiceMetric(metric, self.service)

    def counter(
        self, name: str, documentation: str, labels: Sequence[str] = ()
    ) -> ServiceMetric[Counter]:
        """A counter ``po_<service>_<name>``, labelled by service, then by ``labels``."""
        return self._bound(Counter(self._name(name), documentation, ["service", *labels]))

    def gauge(
        self, name: str, documentation: str, labels: Sequence[str] = ()
    ) -> ServiceMetric[Gauge]:
        """A gauge ``po_<service>_<name>``, labelled by service, then by ``labels``."""
        return self._bound(Gauge(self._name(name), documentation, ["service", *labels]))

    def histogram(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str] = (),
        *,
        buckets: Sequence[float],
    ) -> ServiceMetric[Histogram]:
        """A histogram ``po_<service>_<name>`` with ``buckets``, labelled like a counter."""
        return self._bound(
            Histogram(self._name(name), documentation, ["service", *labels], buckets=buckets)
        )


ScrapeHook = Callable[[], Awaitable[None]]
"""What a service reads from its database when scraped, to set its gauges."""


# -- hooks ---------------------------------------------------------------------------


def event_published(producer: str, event_type: str) -> None:
    """Count one event confirmed by the bus."""
    EVENTS_PUBLISHED.labels(producer, event_type).inc()


def event_consumed(service: str, event_type: str) -> None:
    """Count one event whose handler succeeded."""
    EVENTS_CONSUMED.labels(service, event_type).inc()


def event_retried(service: str, event_type: str) -> None:
    """Count one handler failure that will be retried after a delay."""
    EVENTS_RETRIED.labels(service, event_type).inc()


def event_parked(service: str, event_type: str, *, unreadable: bool) -> None:
    """Count one message parked, after its last attempt or because it cannot be read."""
    EVENTS_PARKED.labels(
        service, event_type, "unreadable" if unreadable else "handler_failed"
    ).inc()


def set_outbox_backlog(service: str, waiting: int, oldest: datetime | None) -> None:
    """Set the outbox gauges of ``service`` from one read of its outbox."""
    OUTBOX_WAITING.labels(service).set(waiting)
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest is not None else 0.0
    OUTBOX_OLDEST_AGE.labels(service).set(max(age, 0.0))


def route_template(request: web.Request) -> str:
    """The template of the route that matched ``request``, or ``unmatched``."""
    match_info = request.match_info
    if match_info.http_exception is not None:
        return UNMATCHED_ROUTE
    resource = match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED_ROUTE


def http_metrics_middleware(service: str) -> Middleware:
    """Time every request of ``service`` and count it by route template and status.

    Put it first (outermost): it then sees the answer the error middlewares made.
    """

    @web.middleware
    async def http_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            HTTP_REQUEST_SECONDS.labels(
                service, request.method, route_template(request), str(status)
            ).observe(time.perf_counter() - started)

    return http_metrics


# -- the page ------------------------------------------------------------------------


class _ServiceView(Collector):
    """The process's metrics as one service shows them: its own series (``service``
    label) and the process's (no such label)."""

    def __init__(self, service: str, source: Collector) -> None:
        self._service = service
        self._source = source

    def collect(self) -> Iterator[Metric]:
        for metric in self._source.collect():
            samples = [
                sample
                for sample in metric.samples
                if sample.labels.get("service", self._service) == self._service
            ]
            if not samples:
                continue
            view = Metric(metric.name, metric.documentation, metric.type, metric.unit)
            view.samples = samples
            yield view


def exposition(service: str, registry: Collector = REGISTRY) -> bytes:
    """The text format of ``service``'s metrics (and the process's)."""
    return generate_latest(_ServiceView(service, registry))


def _through_proxy(request: web.Request) -> bool:
    return any(header in request.headers for header in PROXY_HEADERS)


async def _run_hooks(service: str, hooks: Sequence[ScrapeHook]) -> None:
    """Read the database figures; a slow or failing read leaves the last values."""
    if not hooks:
        return
    try:
        async with asyncio.timeout(SCRAPE_HOOK_SECONDS):
            await asyncio.gather(*(hook() for hook in hooks))
    except Exception:
        log.warning("%s: metrics read from the database not refreshed", service, exc_info=True)


def metrics_handler(service: str, hooks: Iterable[ScrapeHook] = ()) -> Handler:
    """The ``GET /metrics`` handler of ``service``, refusing requests through a proxy."""
    scrape_hooks = list(hooks)

    async def metrics(request: web.Request) -> web.StreamResponse:
        if _through_proxy(request):
            raise web.HTTPNotFound()
        await _run_hooks(service, scrape_hooks)
        body = exposition(service)
        # The classic text format: every Prometheus 2 and 3 reads it.
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})

    return metrics


def add_metrics_route(app: web.Application, service: str, hooks: Iterable[ScrapeHook] = ()) -> None:
    """Serve ``service``'s metrics at ``/metrics`` of ``app`` (under its prefix)."""
    app.router.add_get(METRICS_PATH, metrics_handler(service, hooks), name="metrics")
