"""The database and the broker a benchmark runs against: given, or its own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

LOCAL_BROKER = "amqp://guest:guest@127.0.0.1:5672/"


@contextlib.asynccontextmanager
async def store_url(folder: Path) -> AsyncIterator[str]:
    """``MONGO_URL``, or a SecantusDB started for the benchmark in ``folder``."""
    given = os.environ.get("MONGO_URL")
    if given:
        yield given
        return
    from embedded.store import EmbeddedStore

    async with EmbeddedStore(folder / "store") as store:
        yield store.url


@contextlib.asynccontextmanager
async def broker_url() -> AsyncIterator[str]:
    """``AMQP_URL``, or a throw-away vhost of the local broker (deleted afterwards)."""
    given = os.environ.get("AMQP_URL")
    if given or shutil.which("rabbitmqctl") is None:
        yield given or LOCAL_BROKER
        return
    vhost = f"bench-{uuid.uuid4().hex[:8]}"
    await _rabbitmqctl("add_vhost", vhost)
    try:
        await _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"{LOCAL_BROKER}{vhost}"
    finally:
        await _rabbitmqctl("delete_vhost", vhost)


async def _rabbitmqctl(*args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "--quiet", *args, stdout=asyncio.subprocess.DEVNULL
    )
    async with asyncio.timeout(120):
        if await process.wait() != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed")
