"""The relay's SMTP endpoint: aiosmtpd on the service's own event loop.

aiosmtpd's ``Controller`` runs its own thread and loop, where the service's database
client cannot be used; the protocol is served here with ``loop.create_server``
instead, started and stopped with the service.
"""

from __future__ import annotations

import asyncio
import logging
import weakref

from aiosmtpd.smtp import SMTP

from services.messaging.inbound.handler import RelayInbox

log = logging.getLogger("services.messaging.inbound")

IDENT = "Proch'Orientation relay"


class InboundSmtpServer:
    """Listens for replies to relay aliases; ``start`` then ``stop``."""

    def __init__(
        self,
        inbox: RelayInbox,
        *,
        host: str,
        port: int,
        hostname: str,
        max_bytes: int,
        timeout: float,
        shutdown_grace: float,
    ) -> None:
        self._inbox = inbox
        self._host = host
        self._port = port
        self._hostname = hostname
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._grace = shutdown_grace
        self._server: asyncio.Server | None = None
        self._connections: weakref.WeakSet[SMTP] = weakref.WeakSet()

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Listen; raises ``OSError`` when the port is taken (the service must not run
        half-way: replies by email would be lost)."""
        loop = asyncio.get_running_loop()

        def protocol() -> SMTP:
            smtp = SMTP(
                self._inbox,
                hostname=self._hostname,
                ident=IDENT,
                data_size_limit=self._max_bytes,
                enable_SMTPUTF8=True,
                timeout=self._timeout,
                loop=loop,
            )
            self._connections.add(smtp)
            return smtp

        self._server = await loop.create_server(protocol, self._host, self._port)
        log.info("relay SMTP listening", extra={"host": self._host, "port": self.port})

    async def stop(self) -> None:
        """Stop listening, let mails being processed finish, then hang up."""
        if self._server is None:
            return
        self._server.close()
        await self._inbox.drain(self._grace)
        for smtp in list(self._connections):
            transport = smtp.transport
            if transport is not None and not transport.is_closing():
                transport.close()
        await self._server.wait_closed()
        self._server = None
