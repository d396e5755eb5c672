"""An SMTP listener on the service's own event loop (aiosmtpd's protocol, no thread).

aiosmtpd's ``Controller`` runs its own thread and loop, where the service's database
client cannot be used; the protocol is served here with ``loop.create_server``
instead, started and stopped with the service. The handler (aiosmtpd's hooks) is the
service's own: this module only listens and hangs up.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP

log = logging.getLogger("shared.smtp_listener")


class SmtpListener:
    """Serves ``handler`` on ``host:port``; ``start`` then ``stop``.

    ``before_hang_up``, when given, is awaited once the listener no longer accepts
    connections and before the open ones are closed (to let mails being processed
    finish). ``timeout`` is aiosmtpd's idle timeout per connection (its default
    when None).
    """

    def __init__(
        self,
        handler: Any,
        *,
        name: str,
        ident: str,
        host: str,
        port: int,
        hostname: str,
        max_bytes: int,
        timeout: float | None = None,
        before_hang_up: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._handler = handler
        self._name = name
        self._host = host
        self._port = port
        # What each connection's aiosmtpd session is given.
        self._session_options: dict[str, Any] = {
            "hostname": hostname,
            "ident": ident,
            "data_size_limit": max_bytes,
            "enable_SMTPUTF8": True,
            **({} if timeout is None else {"timeout": timeout}),
        }
        self._before_hang_up = before_hang_up
        self._server: asyncio.Server | None = None
        self._connections: weakref.WeakSet[SMTP] = weakref.WeakSet()

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self._server is not None, "not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        """Listen; raises ``OSError`` when the port is taken (the service must not run
        half-way: what is sent to it would be lost)."""
        loop = asyncio.get_running_loop()

        def protocol() -> SMTP:
            smtp = SMTP(self._handler, loop=loop, **self._session_options)
            self._connections.add(smtp)
            return smtp

        self._server = await loop.create_server(protocol, self._host, self._port)
        log.info("%s SMTP listening", self._name, extra={"host": self._host, "port": self.port})

    async def while_app_runs(self, app: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: listen from the application's start to its end."""
        await self.start()
        yield
        await self.stop()

    async def stop(self) -> None:
        """Stop listening, let the service finish what it is doing, then hang up."""
        if self._server is None:
            return
        self._server.close()
        if self._before_hang_up is not None:
            await self._before_hang_up()
        for smtp in list(self._connections):
            transport = smtp.transport
            if transport is not None and not transport.is_closing():
                transport.close()
        await self._server.wait_closed()
        self._server = None
