"""The notifier's application: its store, renderer, SMTP sender, worker and routes."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import parseaddr

from aiohttp import web

from services.notifier.api import build_router
from services.notifier.bounces import BounceInbox
from services.notifier.dkim import load_signer
from services.notifier.metrics import backlog_hook
from services.notifier.render import Renderer
from services.notifier.sender import SmtpSender
from services.notifier.settings import NotifierSettings
from services.notifier.smtp_health import SmtpHealth, probe_forever
from services.notifier.store import INDEXES, NotifierStore
from services.notifier.subscriptions import (
    SERVICE,
    EmailHandler,
    complete_erasures,
    subscriptions,
)
from services.notifier.unsubscribe import UnsubscribeLinks
from services.notifier.worker import DeliveryWorker, purge_forever
from shared.contracts.notifier import PUBLISHED
from shared.runtime import Platform, ServiceContext, service_app
from shared.smtp_listener import SmtpListener

log = logging.getLogger("services.notifier")

BOUNCE_SMTP = web.AppKey("bounce_smtp", SmtpListener)


def create_app(platform: Platform, config: NotifierSettings | None = None) -> web.Application:
    """The notifier, mounted by the caller at ``/api/notifier``.

    ``config`` defaults to the ``NOTIFIER_*`` environment variables.
    """
    config = config or NotifierSettings()
    settings = platform.settings
    store = NotifierStore(platform.mongo[settings.database_name(SERVICE)])
    # A DKIM setting that cannot sign stops the service here, at start-up.
    signer = load_signer(settings)
    links = UnsubscribeLinks(settings.public_url, store=store)
    bounce_address = config.bounce_address_for(parseaddr(settings.mail_from)[1])
    renderer = Renderer(
        public_url=settings.public_url,
        mail_from=settings.mail_from,
        signer=signer,
        bounce_address=bounce_address,
        links=links,
    )
    if signer is not None:
        sender_domain = renderer.from_address.rpartition("@")[2]
        for domain in signer.unaligned(sender_domain, settings.relay_domain):
            log.warning(
                "emails from %s are signed for %s: DMARC will not count the signature",
                domain,
                signer.domain,
            )
    sender = SmtpSender(
        settings,
        timeout=config.smtp_timeout_seconds,
        per_message=config.smtp_connection_per_email,
    )
    smtp_health = SmtpHealth()
    worker = DeliveryWorker(store, sender, config, health=smtp_health)

    async def deliver_emails(context: ServiceContext) -> None:
        await worker.run(after_pass=lambda: complete_erasures(context, store))

    async def purge_delivery_log(context: ServiceContext) -> None:
        await purge_forever(store, config.log_purge_poll_seconds)

    async def probe_smtp(context: ServiceContext) -> None:
        await probe_forever(sender, smtp_health, config.smtp_probe_seconds)

    app = service_app(
        platform,
        name=SERVICE,
        router=build_router(store, worker.wake, links),
        indexes=INDEXES,
        publishes=PUBLISHED,
        subscriptions=lambda context: subscriptions(
            context,
            store,
            EmailHandler(
                context,
                store,
                renderer,
                worker,
                links=links,
                log_retention=timedelta(days=config.log_retention_days),
            ),
        ),
        workers=[*[deliver_emails] * config.senders, purge_delivery_log, probe_smtp],
        health_checks={"smtp": smtp_health.report},
        metrics_hooks=[backlog_hook(store)],
    )
    if config.bounce_smtp_port is not None:
        server = SmtpListener(
            BounceInbox(store, bounce_address=bounce_address),
            name="bounce",
            ident="Proch'Orientation bounces",
            host=config.bounce_smtp_host,
            port=config.bounce_smtp_port,
            hostname=bounce_address.rpartition("@")[2],
            max_bytes=config.bounce_max_bytes,
        )
        app[BOUNCE_SMTP] = server
        app.cleanup_ctx.append(server.while_app_runs)
    return app
