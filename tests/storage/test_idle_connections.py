"""A pooled connection that the server side closed for idleness is never reused.

The embedded store closes a client connection idle for 5 minutes, as firewalls and
load balancers in front of a MongoDB do. Here a relay in front of the session's store
closes connections idle for one second, and the platform's client is told to retire
its connections after half a second: a command that the driver does not retry on a
dead connection (``createIndexes``) still succeeds after a quiet spell.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

import shared.mongo
from shared.mongo import connect

QUIET_CLOSE_SECONDS = 1.0


@contextlib.asynccontextmanager
async def closing_when_idle(target: str) -> AsyncIterator[str]:
    """A TCP relay to ``target`` (host:port) that closes a connection idle for a second."""
    host, port = target.rsplit(":", 1)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError):
            while data := await asyncio.wait_for(reader.read(65536), QUIET_CLOSE_SECONDS):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def relay(client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        server_in, server_out = await asyncio.open_connection(host, int(port))
        await asyncio.gather(pipe(client_in, server_out), pipe(server_in, client_out))

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    relay_port = server.sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{relay_port}"
    finally:
        server.close()


async def test_a_connection_closed_for_idleness_is_not_reused(
    mongo_url: str, database_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared.mongo, "MAX_IDLE_SECONDS", QUIET_CLOSE_SECONDS / 2)
    address = urlsplit(mongo_url).netloc
    async with closing_when_idle(address) as relayed:
        client = connect(mongo_url.replace(address, relayed), app_name="idle-test")
        try:
            collection = client[f"{database_prefix}idle"]["things"]
            await collection.create_index("name")
            await asyncio.sleep(QUIET_CLOSE_SECONDS * 1.5)
            assert await collection.create_index("kind") == "kind_1"
        finally:
            await client.close()
