"""Agenda's application factory: store, use cases, routes, consumers and scheduler."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from services.agenda import statistics
from services.agenda.api.routes import build_router
from services.agenda.context import AGENDA, Agenda, Clock, utc_now
from services.agenda.scheduler import Scheduler
from services.agenda.settings import AgendaSettings
from services.agenda.store import INDEXES, AgendaStore
from services.agenda.subscriptions import subscriptions
from shared.bus import Subscription
from shared.contracts.agenda import PUBLISHED
from shared.runtime import SERVICE_CONTEXT, Platform, ServiceContext, service_app


def create_app(
    platform: Platform, options: AgendaSettings | None = None, *, clock: Clock = utc_now
) -> web.Application:
    """The agenda service, to be mounted at ``/api/agenda``.

    ``options`` defaults to the ``AGENDA_*`` environment variables; ``clock`` is the
    source of "now" (tests move it forward instead of waiting).
    """
    options = options or AgendaSettings()
    agendas: list[Agenda] = []

    def consumers(ctx: ServiceContext) -> Sequence[Subscription]:
        return subscriptions(agendas[0])

    async def scheduler(ctx: ServiceContext) -> None:
        await Scheduler(agendas[0]).run()

    async def warm_statistics(ctx: ServiceContext) -> None:
        await statistics.warm_up(agendas[0])

    app = service_app(
        platform,
        name="agenda",
        router=build_router(),
        indexes=INDEXES,
        publishes=PUBLISHED,
        subscriptions=consumers,
        workers=[scheduler, warm_statistics],
    )
    ctx = app[SERVICE_CONTEXT]
    agenda = Agenda(ctx=ctx, store=AgendaStore(ctx.db), options=options, clock=clock)
    agendas.append(agenda)
    app[AGENDA] = agenda
    return app
