"""Agenda's application factory."""

from __future__ import annotations

from aiohttp import web

from services.agenda.api import make_router
from services.agenda.store import INDEXES
from services.agenda.subscriptions import subscriptions
from shared.runtime import Platform, service_app


def create_app(platform: Platform) -> web.Application:
    """The agenda service, to be mounted at ``/api/agenda``."""
    return service_app(
        platform,
        name="agenda",
        router=make_router(),
        indexes=INDEXES,
        subscriptions=subscriptions,
    )
