"""``python -m services.web``: the site alone, calling the APIs at ``WEB_API_URL``."""

from __future__ import annotations

import asyncio
import logging

from services.web.app import create_app
from services.web.settings import WebSettings
from shared.logging import configure_logging
from shared.mongo import connect
from shared.runtime import serve
from shared.settings import Settings
from shared.tracing import configure_tracing, shutdown_tracing

log = logging.getLogger("services.web")


def main() -> None:
    """Serve the site on ``HTTP_HOST:HTTP_PORT`` until SIGINT or SIGTERM."""
    settings = Settings()
    options = WebSettings()
    configure_logging(settings)
    configure_tracing("web")
    if not settings.mongo_url:
        raise SystemExit("MONGO_URL is not set: the site keeps its sessions in a database.")
    if not options.api_url:
        raise SystemExit("WEB_API_URL is not set: the site needs the gateway's address.")

    async def run() -> None:
        mongo = connect(settings.mongo_url or "", app_name="web")
        try:
            await serve(
                create_app(settings, mongo, options=options),
                settings,
                ready=lambda: log.info(
                    "site listening on %s:%s", settings.http_host, settings.http_port
                ),
            )
        finally:
            await mongo.close()

    try:
        asyncio.run(run())
    finally:
        shutdown_tracing()


if __name__ == "__main__":
    main()
