"""Faults in the middle of a burst of emails: what is lost, what goes twice, how long
until every email is out.

Two notifier replicas run as separate processes (``python -m services.notifier``, as in
a deployment) on a real RabbitMQ (a throw-away vhost) and the embedded store (or
``MONGO_URL``); an accounts-like publisher puts ``N`` sign-up events on the broker and
an aiosmtpd server in another process counts what each address receives. Once a
third of the emails is accepted, one fault:

- ``kill``: one replica is killed with SIGKILL; its claims (delivery records under
  lease, unacked events) go to the other;
- ``store``: the store drops the replicas' connections on their next commands (the
  ``failCommand`` failpoint, ``closeConnection``), skipped on a store without it;
- ``broker``: the broker closes every connection of the vhost (``rabbitmqctl
  close_all_connections``), skipped without ``rabbitmqctl``.

Each prints: emails lost (an address that received nothing within the deadline), sent
twice (copies beyond the first), the time from the fault to the last email accepted,
and the ERROR lines the replicas logged.

Run: ``python -m bench.faults [--emails 300] [--faults kill,store,broker]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from pymongo.errors import OperationFailure
from yarl import URL

from bench.notifier_throughput import drop_topology, sign_ups
from bench.servers import broker_url, service_db, store_url
from bench.smtp_sink import SmtpSink
from embedded.ports import free_port
from shared.bus.rabbit import RabbitBus
from shared.keys import KeyPair, generate_key_pair
from shared.mongo import connect
from shared.settings import Settings

REPO = Path(__file__).resolve().parents[1]
REPLICAS = 2
# Far above the lease (15 s) and a poll: an email not out by then is counted lost.
DEADLINE_SECONDS = 180.0
# Commands of the replicas that find their connection closed: the connections of
# both replicas' pools dropped at once, a few more as they reconnect.
STORE_DROPS = 10


@dataclass(frozen=True)
class Figures:
    """What one fault cost."""

    lost: int
    duplicated: int
    recovered_seconds: float
    errors: Counter[str]  # ERROR lines logged by the replicas, by message


@dataclass(frozen=True)
class Replica:
    """A notifier process and its HTTP port."""

    process: subprocess.Popen[bytes]
    port: int


def replica_setup(
    run: str, amqp_url: str, mongo_url: str, sink: SmtpSink, folder: Path, **more: str
) -> tuple[Settings, KeyPair, dict[str, str]]:
    """A run's own databases and queues (named after ``run``), its token keys, and the
    environment its replicas start with (``more`` adds to it)."""
    settings = Settings(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        database_prefix=f"{run}_",
        bus_prefix=run,
        data_dir=folder,
        log_json=False,
    )
    keys = generate_key_pair()
    env = {
        **os.environ,
        "AMQP_URL": amqp_url,
        "MONGO_URL": mongo_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.port),
        "DATABASE_PREFIX": settings.database_prefix,
        "BUS_PREFIX": settings.bus_prefix,
        "ACCESS_TOKEN_PUBLIC_KEY": keys.public_pem,
        "RELAY_SMTP_PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
        **more,
    }
    return settings, keys, env


@contextlib.contextmanager
def replicas(
    env: dict[str, str], folder: Path, *, service: str = "notifier", count: int = REPLICAS
) -> Iterator[list[Replica]]:
    """``count`` processes of ``service``, each with its port and its log file."""
    started: list[subprocess.Popen[bytes]] = []
    running: list[Replica] = []
    try:
        for number in range(count):
            port = free_port()
            log = (folder / f"{service}-{number}.log").open("wb")
            process = subprocess.Popen(
                [sys.executable, "-m", f"services.{service}"],
                cwd=REPO,
                env={**env, "HTTP_PORT": str(port), "DATA_DIR": str(folder)},
                stderr=log,
            )
            started.append(process)
            running.append(Replica(process, port))
        yield running
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


async def wait_healthy(ports: list[int], service: str = "notifier", within: float = 120.0) -> None:
    """Until every replica of ``service`` answers 200 on its health route."""
    async with aiohttp.ClientSession() as http:
        deadline = time.monotonic() + within
        for port in ports:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    url = f"http://127.0.0.1:{port}/api/{service}/health"
                    async with http.get(url) as answer:
                        if answer.status == 200:
                            break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the {service} replicas did not start")
                await asyncio.sleep(0.2)


async def drop_store_connections(mongo_url: str) -> bool:
    """Make the store close the replicas' connections on their next commands."""
    client = connect(mongo_url, app_name="bench-faults")
    try:
        await client.admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": {"times": STORE_DROPS},
                "data": {
                    "failCommands": ["insert", "update", "find", "findAndModify", "delete"],
                    "appName": "notifier",
                    "closeConnection": True,
                },
            }
        )
        return True
    except OperationFailure:
        return False
    finally:
        await client.close()


async def cut_broker(amqp_url: str) -> bool:
    """Make the broker close every connection of the benchmark's vhost."""
    vhost = URL(amqp_url).path[1:]
    if not vhost:
        return False
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "--quiet", "close_all_connections", "-p", vhost, "bench fault",
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    async with asyncio.timeout(60):
        return await process.wait() == 0


async def pending(settings: Settings) -> int:
    """Delivery records still queued or being sent."""
    async with service_db(settings, "notifier", app_name="bench-faults") as db:
        return await db["deliveries"].count_documents({"status": {"$in": ["queued", "sending"]}})


async def one_fault(
    fault: str, *, emails: int, amqp_url: str, mongo_url: str, sink: SmtpSink, folder: Path
) -> Figures | None:
    """Run a burst, inject ``fault`` a third of the way, measure."""
    tag = uuid.uuid4().hex[:8]
    settings, _, env = replica_setup(
        f"faults{tag}", amqp_url, mongo_url, sink, folder, LOG_JSON="true"
    )
    run_folder = folder / f"{fault}-{tag}"
    run_folder.mkdir()
    envelopes = sign_ups(emails, tag)
    addresses = {f"ambassadeur{n}@exemple.fr" for n in range(emails)}
    sink.clear()
    with replicas(env, run_folder) as running:
        await wait_healthy([replica.port for replica in running])
        publisher = RabbitBus(settings, "bench-accounts")
        await publisher.start()
        try:
            errors = await publisher.publish_many(envelopes)
            assert not any(errors), errors
        finally:
            await publisher.close()
        await sink.wait_for(emails // 3, within=DEADLINE_SECONDS)
        fault_at = time.monotonic()
        if fault == "kill":
            running[0].process.kill()
        elif fault == "store":
            if not await drop_store_connections(mongo_url):
                print("  store : this store takes no failpoints; skipped", flush=True)
                return None
        elif fault == "broker" and not await cut_broker(amqp_url):
            print("  broker: rabbitmqctl unavailable or no vhost; skipped", flush=True)
            return None
        with contextlib.suppress(TimeoutError):
            await sink.wait_for_recipients(addresses, within=DEADLINE_SECONDS)
        # Copies sent again would come once a lease ends: wait until nothing is left.
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if not await pending(settings):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1)
        last = max(sink.accepted) if sink.accepted else fault_at
    await drop_topology(settings)
    logged = "".join(
        log.read_text(errors="replace") for log in sorted(run_folder.glob("notifier-*.log"))
    )
    counts = sink.counts
    return Figures(
        lost=len(addresses - counts.keys()),
        duplicated=sum(count - 1 for count in counts.values() if count > 1),
        recovered_seconds=last - fault_at,
        errors=_errors(logged),
    )


def _errors(logged: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for line in logged.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict) and record.get("level") == "ERROR":
                found[str(record.get("message"))] += 1
    return found


async def main() -> None:
    """Parse arguments, run each fault once, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--emails", type=int, default=300, help="emails per burst")
    parser.add_argument("--faults", default="kill,store,broker", help="which faults, in order")
    args = parser.parse_args()
    async with SmtpSink() as sink:
        with tempfile.TemporaryDirectory(prefix="faults-bench-") as name:
            folder = Path(name)
            async with (
                store_url(folder, test_commands=True) as mongo_url,
                broker_url() as amqp_url,
            ):
                print(f"{args.emails} emails per burst, {REPLICAS} notifier replicas:", flush=True)
                for fault in args.faults.split(","):
                    figures = await one_fault(
                        fault,
                        emails=args.emails,
                        amqp_url=amqp_url,
                        mongo_url=mongo_url,
                        sink=sink,
                        folder=folder,
                    )
                    if figures is not None:
                        print(
                            f"  {fault:<6}: lost {figures.lost}, sent twice {figures.duplicated}, "
                            f"every email out {figures.recovered_seconds:.1f} s after the fault, "
                            f"ERROR lines {figures.errors.total()}",
                            flush=True,
                        )
                        for message, count in figures.errors.most_common():
                            print(f"          {count} × {message}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
