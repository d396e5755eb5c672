"""The whole platform with its site, served for a browser test.

Every service runs with the in-process bus (with the demo accounts of every role), the
site is mounted at ``/`` as in the embedded default, and the notifier delivers to a real
mail catcher whose pages (``/dev/mail``) the browser reads, so links in emails are
clicked as a person would.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from embedded.mailcatcher import MailCatcher, mail_web_app
from embedded.ports import free_port
from services.accounts.app import create_app as accounts_app
from services.agenda.app import create_app as agenda_app
from services.messaging.app import create_app as messaging_app
from services.web.app import create_app as create_site
from shared.http import mount_at_root
from shared.runtime import Platform, gateway_app
from shared.settings import Settings
from tests.fixtures.platform import settled
from tests.notifier.conftest import notifier

SERVICES: dict[str, Callable[[Platform], web.Application]] = {
    "accounts": accounts_app,
    "agenda": agenda_app,
    "messaging": messaging_app,
    "notifier": notifier(),
}


@dataclass
class RunningSite:
    """A platform serving its site on 127.0.0.1 for one test."""

    platform: Platform
    base_url: str
    mail: MailCatcher

    @property
    def settings(self) -> Settings:
        """The platform's settings."""
        return self.platform.settings

    def url(self, path: str) -> str:
        """Absolute URL of ``path``."""
        return f"{self.base_url}{path}"


@contextlib.asynccontextmanager
async def site_running(
    make_settings: Callable[..., Settings], folder: Path, **overrides: Any
) -> AsyncIterator[RunningSite]:
    """Serve the platform and its site on a free port until the block ends."""
    async with MailCatcher(folder / "mail", host="127.0.0.1", port=free_port()) as catcher:
        port = free_port()
        settings = make_settings(
            smtp_host="127.0.0.1",
            smtp_port=catcher.port,
            relay_smtp_port=free_port(),
            http_port=port,
            **{"public_url": f"http://127.0.0.1:{port}", "demo_data": True, **overrides},
        )
        async with Platform.open(settings, process="tests", create_keys=True) as platform:
            app = gateway_app(platform, SERVICES)
            app.add_subapp("/dev/mail", mail_web_app(catcher))
            mount_at_root(app, create_site(settings, platform.mongo), reserved=("/api", "/dev"))
            runner = web.AppRunner(app)
            try:
                # Inside: a start that fails or times out stops what had started.
                await runner.setup()
                await web.TCPSite(runner, "127.0.0.1", port).start()
                # The demo accounts reach agenda and messaging as events: a test begins
                # once they have, as a person would find them a moment after the start.
                await settled(platform, SERVICES)
                yield RunningSite(platform, f"http://127.0.0.1:{port}", catcher)
            finally:
                await runner.cleanup()
