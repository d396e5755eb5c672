"""The database and the broker a benchmark runs against (given, or its own), and the
whole platform with its site served on them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase
from yarl import URL

from embedded.ports import free_port
from services.agenda.app import create_app as create_agenda
from services.web.app import create_app as create_site
from shared.http import mount_at_root
from shared.http.server import ApiRunner
from shared.mongo import Document, connect
from shared.runtime import Platform, gateway_app
from shared.settings import Settings

LOCAL_BROKER = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class Store:
    """The database a benchmark runs against."""

    url: str
    # The embedded store's process (its CPU time can be read), None for ``MONGO_URL``.
    pid: int | None


@contextlib.asynccontextmanager
async def store_server(folder: Path, *, test_commands: bool = False) -> AsyncIterator[Store]:
    """``MONGO_URL``, or a SecantusDB started for the benchmark in ``folder`` (with
    ``test_commands``, taking failpoints, for fault injection)."""
    given = os.environ.get("MONGO_URL")
    if given:
        yield Store(given, None)
        return
    from embedded.store import EmbeddedStore

    async with EmbeddedStore(folder / "store", test_commands=test_commands) as store:
        yield Store(store.url, store.pid)


@contextlib.asynccontextmanager
async def store_url(folder: Path, *, test_commands: bool = False) -> AsyncIterator[str]:
    """The URL of :func:`store_server`."""
    async with store_server(folder, test_commands=test_commands) as store:
        yield store.url


@contextlib.asynccontextmanager
async def service_db(
    settings: Settings, service: str, *, app_name: str
) -> AsyncIterator[AsyncDatabase[Document]]:
    """``service``'s database in the benchmark's store, through a client of its own
    (named ``app_name`` in the store's logs), closed on leaving."""
    assert settings.mongo_url is not None
    client = connect(settings.mongo_url, app_name=app_name)
    try:
        yield client[settings.database_name(service)]
    finally:
        await client.close()


async def insert_in_batches(
    collection: Any, rows: Iterable[dict[str, Any]], *, size: int = 5_000
) -> None:
    """Insert ``rows`` into ``collection`` ``size`` at a time, unordered (a data set of
    a benchmark: far too many rows for one call)."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            await collection.insert_many(batch, ordered=False)
            batch = []
    if batch:
        await collection.insert_many(batch, ordered=False)


def bench_settings(mongo_url: str, folder: Path, **more: Any) -> Settings:
    """Settings of a benchmark's platform: its own databases in ``mongo_url``, its files
    in ``folder``, quiet logs."""
    return Settings(
        mongo_url=mongo_url,
        data_dir=folder,
        database_prefix=f"bench{uuid.uuid4().hex[:6]}_",
        log_json=False,
        log_level="WARNING",
        **more,
    )


@contextlib.asynccontextmanager
async def bench_folder(prefix: str) -> AsyncIterator[Settings]:
    """:func:`bench_settings` in a temporary folder named ``prefix…``, on the store of
    :func:`store_url` (its own, kept in that folder, unless ``MONGO_URL`` is given)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        async with store_url(Path(folder)) as url:
            yield bench_settings(url, Path(folder))


@contextlib.asynccontextmanager
async def agenda_alone(settings: Settings) -> AsyncIterator[str]:
    """Agenda alone behind the gateway on a free port, its indexes built (the time it
    took is printed); the base URL of its API."""
    async with Platform.open(settings, process="bench-agenda") as platform:
        runner = web.AppRunner(gateway_app(platform, {"agenda": create_agenda}))
        started = time.monotonic()
        await runner.setup()  # builds the indexes
        print(f"  indexes built in {time.monotonic() - started:.0f} s", flush=True)
        try:
            port = free_port()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            yield f"http://127.0.0.1:{port}/api/agenda"
        finally:
            await runner.cleanup()


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


async def _rabbitmqctl(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "--quiet", *args, stdout=asyncio.subprocess.PIPE
    )
    async with asyncio.timeout(120):
        output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed")
    return output.decode()


async def drop_queues(amqp_url: str, prefix: str) -> None:
    """Delete the queues named ``<prefix>.…`` of the URL's vhost, messages included:
    each quorum queue holds a few of the broker's file descriptors until deleted, and
    a benchmark that leaves its runs' queues behind starves a shared broker."""
    if shutil.which("rabbitmqctl") is None:
        return
    vhost = URL(amqp_url).path[1:] or "/"
    names = [
        name
        for name in (await _rabbitmqctl("list_queues", "-p", vhost, "name")).split()
        if name.startswith(f"{prefix}.")
    ]
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for name in names:
            await channel.queue_delete(name)


@contextlib.asynccontextmanager
async def served_site(
    services: Mapping[str, Callable[[Platform], web.Application]],
    *,
    process: str,
    prepare: Callable[[Settings], Awaitable[None]] | None = None,
) -> AsyncIterator[str]:
    """The platform with its site and demo accounts on a free port, as the embedded
    default serves them, on its own store; its base URL. ``prepare`` fills the store
    before the services start."""
    with tempfile.TemporaryDirectory(prefix=f"{process}-") as folder:
        async with store_url(Path(folder)) as url:
            port = free_port()
            settings = bench_settings(
                url,
                Path(folder),
                http_port=port,
                public_url=f"http://127.0.0.1:{port}",
                smtp_host="127.0.0.1",
                smtp_port=free_port(),  # nobody listens: emails wait, pages do not
                relay_smtp_port=free_port(),
                demo_data=True,
            )
            if prepare is not None:
                await prepare(settings)
            async with Platform.open(settings, process=process, create_keys=True) as p:
                app = gateway_app(p, services)
                mount_at_root(app, create_site(settings, p.mongo), reserved=("/api",))
                # The platform's own runner: a request refused before routing (a header
                # with a NUL byte, one too long) is answered in JSON, as in production.
                runner = ApiRunner(app)
                await runner.setup()
                await web.TCPSite(runner, "127.0.0.1", port).start()
                try:
                    yield f"http://127.0.0.1:{port}"
                finally:
                    await runner.cleanup()
