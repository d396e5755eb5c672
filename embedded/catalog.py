"""The four services by name, for the processes that mount several of them."""

from collections.abc import Callable

from aiohttp import web

from services.accounts.app import create_app as accounts
from services.agenda.app import create_app as agenda
from services.messaging.app import create_app as messaging
from services.notifier.app import create_app as notifier
from shared.runtime import Platform

SERVICES: dict[str, Callable[[Platform], web.Application]] = {
    "accounts": accounts,
    "agenda": agenda,
    "messaging": messaging,
    "notifier": notifier,
}
