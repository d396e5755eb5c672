"""The embedded default: the whole platform in one process (``make run``).

Starts the MongoDB-compatible store as a child process and a local mail catcher
(unless ``MONGO_URL`` / ``SMTP_HOST`` name real ones), mounts the four services
under ``/api/<service>`` with an in-process bus (RabbitMQ when ``AMQP_URL`` is set),
the site at ``/`` (it calls those APIs over this same port, as it would call the
gateway), the developers' pages under ``/dev/``, seeds fictional demo accounts, and
serves everything on ``HTTP_PORT``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator

from embedded.catalog import SERVICES
from embedded.demo_policy import DemoDecision, decide
from embedded.explorer import add_api_explorer
from embedded.mailcatcher import MailCatcher, mail_web_app
from embedded.ports import free_port
from embedded.store import EmbeddedStore
from services.accounts.demo import DEMO_ACCOUNTS
from services.web.app import create_app as create_site
from shared.http import mount_at_root
from shared.logging import configure_logging
from shared.runtime import Platform, gateway_app, serve
from shared.settings import Settings
from shared.tracing import configure_tracing, shutdown_tracing

log = logging.getLogger("embedded")
# Paths the site leaves to the services and to the developers' pages.
RESERVED = ("/api", "/dev")


@contextlib.asynccontextmanager
async def embedded_parts(settings: Settings) -> AsyncIterator[tuple[Settings, MailCatcher | None]]:
    """Start the store and the mail catcher that the settings do not replace."""
    async with contextlib.AsyncExitStack() as stack:
        updates: dict[str, object] = {}
        catcher: MailCatcher | None = None
        if not settings.mongo_url:
            store = await stack.enter_async_context(EmbeddedStore(settings.data_dir / "store"))
            updates["mongo_url"] = store.url
        if not settings.smtp_host:
            catcher = await stack.enter_async_context(
                MailCatcher(settings.data_dir / "mail", host="127.0.0.1", port=free_port())
            )
            updates.update(smtp_host="127.0.0.1", smtp_port=catcher.port)
        yield settings.model_copy(update=updates), catcher


async def main() -> None:
    """Run until Ctrl-C."""
    settings = Settings()
    # Something to see on a first run, unless the settings say real people may come.
    demo = decide(settings, asked=settings.demo_data if "DEMO_DATA" in os.environ else None)
    settings = settings.model_copy(update={"demo_data": demo.seed})
    configure_logging(settings)
    configure_tracing("prochorientation")
    log.info(demo.reason)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with (
        embedded_parts(settings) as (settings, catcher),
        Platform.open(settings, process="embedded", create_keys=True) as platform,
    ):
        app = gateway_app(platform, SERVICES)
        if catcher is not None:
            app.add_subapp("/dev/mail", mail_web_app(catcher))
        add_api_explorer(app, services=list(SERVICES))
        mount_at_root(app, create_site(settings, platform.mongo), reserved=RESERVED)
        await serve(app, settings, ready=lambda: print(banner(settings, catcher, demo), flush=True))


def banner(settings: Settings, catcher: MailCatcher | None, demo: DemoDecision) -> str:
    """What the embedded default prints once it serves."""
    base = f"http://{settings.http_host}:{settings.http_port}"
    lines = [
        "",
        "Proch'Orientation is running (embedded default).",
        f"  Site           {base}/",
        f"  API            {base}/api/<accounts|agenda|messaging|notifier>/…",
        f"  API explorer   {base}/dev/api",
    ]
    if catcher is not None:
        lines.append(f"  Caught mail    {base}/dev/mail")
    lines.append(f"  Data folder    {settings.data_dir.resolve()}")
    lines.append(f"  {demo.reason}")
    if demo.seed:
        lines.extend(
            f"    {role:<11} {email:<48} {password}" for role, email, password in DEMO_ACCOUNTS
        )
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


if __name__ == "__main__":
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(main())
    finally:
        shutdown_tracing()
