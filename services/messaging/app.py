"""Messaging's application factory: routes, database, subscriptions, inbound SMTP."""

from __future__ import annotations

from aiohttp import web

from services.messaging.api import CONVERSATIONS, build_router
from services.messaging.conversations import Conversations
from services.messaging.inbound.handler import RelayInbox
from services.messaging.inbound.held import HeldReplies
from services.messaging.retention import purge_forever
from services.messaging.settings import MessagingSettings
from services.messaging.store import INDEXES, MessagingStore
from services.messaging.subscriptions import SERVICE, subscriptions
from shared.contracts.messaging import PUBLISHED
from shared.periodic import every
from shared.runtime import SERVICE_CONTEXT, Platform, ServiceContext, service_app
from shared.smtp_listener import SmtpListener

INBOUND_SMTP = web.AppKey("inbound_smtp", SmtpListener)


def create_app(platform: Platform, config: MessagingSettings | None = None) -> web.Application:
    """The messaging service, to be mounted at ``/api/messaging``.

    ``config`` defaults to the ``MESSAGING_*`` environment variables. The inbound SMTP
    endpoint listens on ``RELAY_SMTP_PORT`` while the application runs.
    """
    config = config or MessagingSettings()
    settings = platform.settings
    store = MessagingStore(platform.mongo[settings.database_name(SERVICE)])

    async def purge_finished_conversations(context: ServiceContext) -> None:
        await purge_forever(app[CONVERSATIONS], config.purge_poll_seconds)

    async def wake_readers(context: ServiceContext) -> None:
        # Messages written by another replica reach the readers waiting here.
        service = app[CONVERSATIONS]
        await every(
            config.wait_recheck_seconds,
            lambda: service.arrivals.recheck(service.store.latest_numbers),
            what="new messages check",
        )

    app = service_app(
        platform,
        name=SERVICE,
        router=build_router(),
        indexes=INDEXES,
        publishes=PUBLISHED,
        subscriptions=lambda context: subscriptions(context, lambda: app[CONVERSATIONS]),
        workers=[purge_finished_conversations, wake_readers],
    )
    conversations = Conversations(app[SERVICE_CONTEXT], store, config)
    app[CONVERSATIONS] = conversations

    async def answer_waiting_readers(app: web.Application) -> None:
        # Before the server waits for its requests to end (a reader may wait seconds).
        conversations.arrivals.release_all()

    app.on_shutdown.append(answer_waiting_readers)
    inbox = RelayInbox(
        conversations,
        relay_domain=settings.relay_domain,
        max_recipients=config.inbound_max_recipients,
        held=HeldReplies(app[SERVICE_CONTEXT], store, conversations.conversation_url),
        trusted_authserv_id=config.trusted_authserv_id,
    )
    server = SmtpListener(
        inbox,
        name="relay",
        ident="Proch'Orientation relay",
        host=config.smtp_host or settings.http_host,
        port=settings.relay_smtp_port,
        hostname=settings.relay_domain,
        max_bytes=config.inbound_max_bytes,
        timeout=config.smtp_timeout_seconds,
        # Replies being processed finish before the connections are closed.
        before_hang_up=lambda: inbox.drain(config.smtp_shutdown_grace_seconds),
    )
    app[INBOUND_SMTP] = server

    # After the service's own start-up (indexes, outbox relay, subscriptions); a port
    # taken stops the service: replies by email would be lost.
    app.cleanup_ctx.append(server.while_app_runs)
    return app
