"""Messaging's application factory."""

from __future__ import annotations

from aiohttp import web

from services.messaging.api import make_router
from shared.runtime import Platform, service_app


def create_app(platform: Platform) -> web.Application:
    """The messaging service, to be mounted at ``/api/messaging``."""
    return service_app(platform, name="messaging", router=make_router())
