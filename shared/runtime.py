"""Process-wide resources and how a service is assembled and served.

A process (one service in a deployment, or the embedded platform running all four)
opens one :class:`Platform`: settings, one MongoDB client, one bus, the access-token
verifier. Each service then builds its aiohttp application on top of it with
:func:`service_app`, which wires what every service has: its database and indexes,
the outbox relay, its event subscriptions, its background workers, ``/health`` and
``/openapi.json`` and ``/asyncapi.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import InvalidOperation

from shared.asyncapi import build_asyncapi
from shared.bus import Bus, Subscription
from shared.bus.memory import MemoryBus
from shared.bus.rabbit import RabbitBus
from shared.events import Event
from shared.group_commit import GroupCommit
from shared.handlers import on as idempotent_subscription
from shared.http import (
    AccessTokenVerifier,
    Call,
    Revocations,
    Router,
    root_web_app,
    service_web_app,
)
from shared.idempotency import HANDLED_EVENTS_INDEXES, HandledEvents, TransactionEffect
from shared.keys import load_verifier_key
from shared.metrics import ScrapeHook, add_metrics_route, set_outbox_backlog
from shared.mongo import Document, IndexSpec, connect, ensure_indexes, ping
from shared.outbox import OUTBOX_INDEXES, Outbox
from shared.parking import PARKING_INDEXES, add_parking_routes
from shared.periodic import stopping
from shared.revocation_feed import (
    REVOCATION_INDEXES,
    follow_revocations,
    revocation_subscription,
)
from shared.settings import Settings

log = logging.getLogger("shared.runtime")
# Revocations outlive the tokens they withdraw by the verifier's leeway and then some.
REVOCATION_MARGIN_SECONDS = 60
# How long stopping a service waits for its background tasks to end.
STOP_SECONDS = 10.0
T = TypeVar("T")


@dataclass
class Platform:
    """What one process shares between the services it runs."""

    settings: Settings
    mongo: AsyncMongoClient[Document]
    bus: Bus
    verifier: AccessTokenVerifier
    # Set once every service of the process has started (and subscribed): the outbox
    # relays wait for it, so the events written while starting (the demo accounts of
    # the embedded platform) do not reach a bus where their consumers are not yet.
    services_started: asyncio.Event = field(default_factory=asyncio.Event)
    # Every service's background tasks: those still running when the platform closes
    # (a start-up that failed half-way, which aiohttp does not clean up) stop first.
    background: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, settings: Settings, *, process: str, create_keys: bool = False
    ) -> AsyncIterator[Platform]:
        """Connect to MongoDB and the bus (RabbitMQ when ``AMQP_URL`` is set).

        ``create_keys`` lets the process create the access-token key pair in
        ``DATA_DIR`` when none is configured (the embedded default, tests, accounts).
        """
        if not settings.mongo_url:
            raise RuntimeError(
                "MONGO_URL is not set: a service run alone needs a MongoDB "
                "(the embedded platform, `make run`, starts its own store)."
            )
        mongo = connect(settings.mongo_url, app_name=process)
        bus: Bus = (
            RabbitBus(settings, service=process) if settings.amqp_url else MemoryBus(settings)
        )
        verifier = AccessTokenVerifier(
            load_verifier_key(settings, create=create_keys),
            revocations=Revocations(settings.access_token_ttl_seconds + REVOCATION_MARGIN_SECONDS),
        )
        await bus.start()
        platform = cls(settings=settings, mongo=mongo, bus=bus, verifier=verifier)
        try:
            yield platform
        finally:
            await _stop([task for task in platform.background if not task.done()], service=process)
            await bus.close()
            await mongo.close()


@dataclass
class ServiceContext:
    """One service's view of the platform: its own database, outbox and handled events."""

    name: str
    platform: Platform
    db: AsyncDatabase[Document]
    outbox: Outbox
    handled: HandledEvents
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # What the service consumes, known once it has subscribed (its AsyncAPI document).
    subscriptions: list[Subscription] = field(default_factory=list)
    commits: GroupCommit = field(init=False)

    def __post_init__(self) -> None:
        self.commits = GroupCommit(self.platform.mongo)

    def start(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run ``work`` in the background until the service stops or the platform closes."""
        task = asyncio.create_task(work, name=f"{self.name}-{name}")
        self.tasks.append(task)
        self.platform.background.append(task)

    @property
    def settings(self) -> Settings:
        """The process settings."""
        return self.platform.settings

    @property
    def bus(self) -> Bus:
        """The process bus."""
        return self.platform.bus

    async def transaction(self, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
        """Run ``work`` in a transaction, then wake the outbox relay for its events.

        Concurrent calls share their transaction (``shared.group_commit``): ``work``
        must only write through its session and never wait for another transaction.
        """
        result = await self.commits.run(work)
        self.outbox.wake()
        return result

    async def once(self, handler: str, event_id: object, effect: TransactionEffect) -> bool:
        """Idempotent handling: ``effect`` runs in a transaction unless already done."""
        done = await self.handled.once(handler, event_id, effect)
        if done:
            self.outbox.wake()
        return done

    # ``context.on(model, name, effect)``: this service's typed, idempotent subscription.
    on = idempotent_subscription


SERVICE_CONTEXT = web.AppKey("service_context", ServiceContext)
ASYNCAPI_PATH = "/asyncapi.json"

Subscriptions = Callable[[ServiceContext], Sequence[Subscription]]
Worker = Callable[[ServiceContext], Awaitable[None]]
Hook = Callable[[ServiceContext, web.Application], Awaitable[None]]
# A service's own part of ``/health`` (e.g. the notifier's SMTP server): a dict whose
# ``ok`` says whether that part is well.
HealthCheck = Callable[[], Mapping[str, Any]]


def service_app(
    platform: Platform,
    *,
    name: str,
    router: Router,
    indexes: Sequence[IndexSpec] = (),
    publishes: Sequence[type[Event]] = (),
    subscriptions: Subscriptions | None = None,
    workers: Sequence[Worker] = (),
    on_start: Sequence[Hook] = (),
    health_checks: Mapping[str, HealthCheck] | None = None,
    metrics_hooks: Sequence[ScrapeHook] = (),
) -> web.Application:
    """Build a service's aiohttp application, mounted by the caller at ``/api/<name>``.

    ``publishes`` lists the contracts of the events the service publishes
    (``shared.contracts.<name>.PUBLISHED``); with its subscriptions they make its
    AsyncAPI document.

    ``/metrics`` serves the service's Prometheus metrics; ``metrics_hooks`` read its own
    gauges from its database when scraped (the outbox's are read for every service).

    Start-up order: indexes, ``on_start`` hooks, the outbox relay (which publishes once
    every service of the process has started, see :func:`gateway_app`), subscriptions,
    then workers. Shutdown cancels workers and the relay; the bus is closed by the
    platform.
    """
    settings = platform.settings
    db = platform.mongo[settings.database_name(name)]
    context = ServiceContext(
        name=name,
        platform=platform,
        db=db,
        outbox=Outbox(db, producer=name, lease=timedelta(seconds=settings.outbox_lease_seconds)),
        handled=HandledEvents(platform.mongo, db),
    )
    _add_health_route(router, context, health_checks or {})
    add_parking_routes(router, context)
    app = service_web_app(
        prefix=f"/api/{name}",
        router=router,
        verifier=platform.verifier,
        max_body_bytes=settings.max_body_bytes,
    )
    app[SERVICE_CONTEXT] = context
    _add_asyncapi_route(app, context, publishes)
    add_metrics_route(app, name, [_outbox_metrics(context), *metrics_hooks])

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        await ensure_indexes(
            db,
            [
                *OUTBOX_INDEXES,
                *HANDLED_EVENTS_INDEXES,
                *REVOCATION_INDEXES,
                *PARKING_INDEXES,
                *indexes,
            ],
        )
        for hook in on_start:
            await hook(context, app)
        try:
            context.start(_relay(context), "outbox-relay")
            # Every service refuses the tokens accounts withdrew (``shared.revocation_feed``).
            context.subscriptions[:] = [
                *(subscriptions(context) if subscriptions else ()),
                revocation_subscription(context),
            ]
            for subscription in context.subscriptions:
                await platform.bus.subscribe(subscription)
            for worker in [follow_revocations, *workers]:
                context.start(_supervised(worker, context), worker.__name__)
            yield
        finally:
            # Also when start-up fails half-way: aiohttp cleans up only what started.
            await _stop(context.tasks, service=name)

    app.cleanup_ctx.append(lifecycle)
    return app


def _outbox_metrics(context: ServiceContext) -> ScrapeHook:
    async def read_outbox() -> None:
        set_outbox_backlog(context.name, *await context.outbox.backlog())

    return read_outbox


async def _stop(tasks: Sequence[asyncio.Task[None]], *, service: str) -> None:
    """Cancel the service's background tasks and wait for them, for a bounded time: a
    task that does not stop is named in the log with where it waits, and shutting down
    goes on."""
    for task in tasks:
        task.cancel()
    if not tasks:
        return
    _, pending = await asyncio.wait(tasks, timeout=STOP_SECONDS)
    if pending:
        log.warning(
            "%s: background tasks still running %.0f s after being stopped: %s",
            service,
            STOP_SECONDS,
            "; ".join(sorted(f"{task.get_name()} at {waiting_at(task)}" for task in pending)),
        )


def waiting_at(task: asyncio.Task[Any]) -> str:
    """The innermost line a task waits on (``file.py:42 in function``).

    ``Task.get_stack`` gives only a coroutine's outer frame: the chain of awaits is
    followed here down to the innermost coroutine."""
    where = "an unknown place"
    awaited: Any = task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is not None:
            where = f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return where


async def _relay(context: ServiceContext) -> None:
    await context.platform.services_started.wait()
    await context.outbox.relay_forever(context.bus, context.settings.outbox_sweep_seconds)


async def _supervised(worker: Worker, context: ServiceContext) -> None:
    # A background worker that crashes is restarted: a scheduler must not stop silently.
    # Not once its service stops, though: restarted against a closed database client,
    # it would fail every second for as long as the process lives.
    while True:
        try:
            await worker(context)
            return
        except asyncio.CancelledError:
            raise
        except InvalidOperation:
            log.info("worker %s stops: the database client is closed", worker.__name__)
            return
        except Exception:
            if stopping():  # the driver's own error for the cancellation
                raise asyncio.CancelledError from None
            log.exception("worker %s crashed; restarting in 1 s", worker.__name__)
            await asyncio.sleep(1)


class Health(BaseModel):
    """Answer of ``GET /api/<service>/health``."""

    status: Literal["ok", "degraded"]
    service: str
    database: dict[str, Any]
    bus: dict[str, Any]
    checks: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Ce que le service vérifie en plus (le serveur SMTP du notifier).",
    )


def _add_health_route(
    router: Router, context: ServiceContext, health_checks: Mapping[str, HealthCheck]
) -> None:
    @router.get("/health", summary="État du service, de sa base et du bus", response=Health)
    async def health(call: Call[None, None]) -> web.StreamResponse:
        database_up = await ping(context.platform.mongo)
        bus_state = context.bus.state()
        healthy = database_up and bool(bus_state.get("connected"))
        checks = {name: dict(check()) for name, check in health_checks.items()}
        # A check that fails makes the service degraded but still answering 200: it
        # works on (the notifier queues emails), and being taken out of service would
        # not help. 503 is kept for its database and broker connections.
        well = healthy and all(check.get("ok") for check in checks.values())
        body = Health(
            status="ok" if well else "degraded",
            service=context.name,
            database={"connected": database_up},
            bus=bus_state,
            checks=checks,
        )
        return web.json_response(body.model_dump(mode="json"), status=200 if healthy else 503)


def _add_asyncapi_route(
    app: web.Application, context: ServiceContext, publishes: Sequence[type[Event]]
) -> None:
    # Built on first request: the subscriptions are known once the service started.
    documents: list[dict[str, Any]] = []

    async def asyncapi_document(request: web.Request) -> web.Response:
        if not documents:
            documents.append(
                build_asyncapi(
                    context.name,
                    publishes=publishes,
                    consumes=context.subscriptions,
                    exchange=f"{context.settings.bus_prefix}.events",
                )
            )
        return web.json_response(documents[0])

    app.router.add_get(ASYNCAPI_PATH, asyncapi_document, name="asyncapi")


def gateway_app(
    platform: Platform, services: Mapping[str, Callable[[Platform], web.Application]]
) -> web.Application:
    """The root application mounting each service at ``/api/<name>`` (embedded gateway)."""
    root = root_web_app(
        [factory(platform) for factory in services.values()],
        max_body_bytes=platform.settings.max_body_bytes,
        verifier=platform.verifier,
    )

    # Runs after every mounted service's start-up (their handlers were added first).
    async def started(_: web.Application) -> None:
        platform.services_started.set()

    root.on_startup.append(started)
    return root


async def serve(
    app: web.Application, settings: Settings, *, ready: Callable[[], None] | None = None
) -> None:
    """Serve ``app`` on ``HTTP_HOST:HTTP_PORT`` until SIGINT or SIGTERM, then stop cleanly."""
    from shared.http.server import ApiRunner
    from shared.logging import AccessLogger

    # Requests refused before routing (oversized, malformed) still answer in JSON.
    runner = ApiRunner(app, access_log_class=AccessLogger, handle_signals=False)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        site = web.TCPSite(runner, settings.http_host, settings.http_port)
        await site.start()
        if ready:
            ready()
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await runner.cleanup()


def run_service(name: str, factory: Callable[[Platform], web.Application]) -> None:
    """Entry point of ``python -m services.<name>``: one service in its own process."""
    from shared.logging import configure_logging
    from shared.tracing import configure_tracing, shutdown_tracing

    settings = Settings()
    configure_logging(settings)
    configure_tracing(name)

    async def main() -> None:
        # Accounts signs access tokens: it may create the key pair; the others only verify.
        async with Platform.open(
            settings, process=name, create_keys=name == "accounts"
        ) as platform:
            app = gateway_app(platform, {name: factory})
            await serve(
                app,
                settings,
                ready=lambda: log.info(
                    "service %s listening on %s:%s", name, settings.http_host, settings.http_port
                ),
            )

    try:
        asyncio.run(main())
    finally:
        shutdown_tracing()  # the spans still waiting go out before the process ends
