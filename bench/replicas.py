"""Solicitation → email throughput with 1 and with 2 replicas of agenda and the notifier.

Each configuration runs agenda and the notifier as separate processes
(``python -m services.<name>``, as in a deployment: competing consumers on the same
queues, each agenda replica taking every other request as a gateway would) on a real
RabbitMQ (a throw-away vhost of the local broker, or ``AMQP_URL``) and the embedded
store (or ``MONGO_URL``). People are made known by accounts' events first; then
``--clients`` teachers' clients send ``--count`` solicitations as fast as they are
accepted, and an SMTP server in another process stamps each email it accepts.

Printed per configuration: solicitations accepted per second (HTTP 201), emails per
second from the first request to the last email, the request → email latency
(p50/p95), where the CPU went (each kind of process in percent of one core over the
run, and the whole machine, other work included) and the store's own figures, which
say whether it is the limit: its operations per second during the run, and per
solicitation (``serverStatus`` opcounters), against what it does alone
(``--probe-seconds`` of inserts and updates by as many clients), and its CPU, a Python
server using at most one core. Each run's queues are deleted after it.

Run: ``python -m bench.replicas [--count 600] [--clients 16] [--rounds 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from bench.agenda_solicitations import UAI, Timings, introduce, people
from bench.faults import Replica, replica_setup, replicas, wait_healthy
from bench.figures import percentile
from bench.servers import Store, broker_url, drop_queues, store_server
from bench.smtp_sink import SmtpSink
from shared.bus.rabbit import RabbitBus
from shared.http import AccessTokenSigner, Principal
from shared.mongo import Document, connect

SERVICES = ("agenda", "notifier")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Figures:
    """One configuration's run."""

    replicas: int
    count: int
    accepted_per_second: float
    emails_per_second: float
    latencies_ms: list[float]
    cpu_percent: dict[str, float]  # per kind of process, in percent of one core
    store_ops_per_second: float
    # Commands other than CRUD: transaction commits, counts, the drivers' own.
    store_commands_per_second: float
    load: tuple[float, float]  # the machine's 1-minute load average, before and after
    machine_busy_percent: float  # every process of the machine, in percent of all its cores


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_ticks() -> tuple[int, int]:
    """CPU time of the whole machine so far: (busy, total), in ticks (Linux)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = values[3] + values[4]  # idle and waiting for I/O
    total = sum(values[:8])  # guest time is already counted in user time
    return total - idle, total


def store_operations(status: Document) -> tuple[int, int]:
    """The store's counters (``serverStatus`` opcounters): CRUD operations, commands."""
    counters = {name: int(count) for name, count in status["opcounters"].items()}
    commands = counters.pop("command", 0)
    return sum(counters.values()), commands


@dataclass(frozen=True)
class StoreAlone:
    """What the store does with nobody else asking."""

    operations_per_second: float  # an insert, then an update of it, again and again
    transactions_per_second: float  # the same two in one transaction


async def store_alone(
    mongo: AsyncMongoClient[Document], clients: int, seconds: float
) -> StoreAlone:
    """The store's own figures, ``clients`` at a time for ``seconds`` each."""
    database = mongo[f"probe{uuid.uuid4().hex[:6]}"]
    collection = database["writes"]
    await collection.insert_one({"warm": True})  # the collection exists before transactions

    async def writes(session: AsyncClientSession | None) -> None:
        inserted = await collection.insert_one({"n": 0}, session=session)
        await collection.update_one(
            {"_id": inserted.inserted_id}, {"$inc": {"n": 1}}, session=session
        )

    async def plain() -> None:
        await writes(None)

    async def transaction() -> None:
        async with mongo.start_session() as session, await session.start_transaction():
            await writes(session)

    async def rate(work: Callable[[], Awaitable[None]]) -> float:
        done = 0
        deadline = time.monotonic() + seconds

        async def client() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                await work()
                done += 1

        started = time.monotonic()
        await asyncio.gather(*(client() for _ in range(clients)))
        return done / (time.monotonic() - started)

    try:
        return StoreAlone(2 * await rate(plain), await rate(transaction))
    finally:
        await mongo.drop_database(database.name)


@contextlib.contextmanager
def deployment(env: dict[str, str], folder: Path, count: int) -> Iterator[dict[str, list[Replica]]]:
    """``count`` processes of each service."""
    with contextlib.ExitStack() as stack:
        yield {
            service: stack.enter_context(replicas(env, folder, service=service, count=count))
            for service in SERVICES
        }


async def send(
    agendas: list[str], token: str, ids: list[str], clients: int
) -> tuple[dict[str, float], dict[str, float]]:
    """One solicitation per ambassador, ``clients`` at a time, the replicas taken in
    turn; when each was sent and answered."""
    pending = iter(ids)
    turn = itertools.cycle(agendas)
    timings = Timings(token)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:

        async def client() -> None:
            for ambassador_id in pending:
                await timings.solicit(http, f"{next(turn)}/api/agenda/solicitations", ambassador_id)

        await asyncio.gather(*(client() for _ in range(clients)))
    return timings.sent, timings.answered


async def one_configuration(
    count_each: int,
    args: argparse.Namespace,
    store: Store,
    amqp_url: str,
    sink: SmtpSink,
    folder: Path,
) -> Figures:
    """Start ``count_each`` replicas of agenda and of the notifier, send, measure."""
    tag = uuid.uuid4().hex[:8]
    settings, keys, env = replica_setup(f"replicas{tag}", amqp_url, store.url, sink, folder)
    run_folder = folder / f"{count_each}-{tag}"
    run_folder.mkdir()
    events, ids = people(args.count)
    mongo = connect(store.url, app_name="bench-replicas")
    sink.clear()
    try:
        with deployment(env, run_folder, count_each) as running:
            try:
                for service, started in running.items():
                    await wait_healthy([replica.port for replica in started], service, within=300)
            except TimeoutError:
                for log in sorted(run_folder.glob("*.log")):
                    print(f"--- {log.name}:", log.read_text(errors="replace")[-3000:], flush=True)
                raise
            publisher = RabbitBus(settings, "bench-accounts")
            await publisher.start()
            try:
                await introduce(publisher, mongo, settings, events, args.count)
            finally:
                await publisher.close()
            token = AccessTokenSigner(keys.private_pem, 3600).issue(
                Principal(
                    user_id="teacher", role="staff", session_id="bench", establishment_uai=UAI
                )
            )
            agendas = [f"http://127.0.0.1:{replica.port}" for replica in running["agenda"]]
            pids = {
                service: [replica.process.pid for replica in started]
                for service, started in running.items()
            }
            if store.pid is not None:
                pids["store"] = [store.pid]
            load_before = os.getloadavg()[0]
            machine_before = machine_ticks()
            operations_before = store_operations(await mongo.admin.command("serverStatus"))
            cpu_before = {name: sum(map(cpu_seconds, group)) for name, group in pids.items()}
            sent, answered = await send(agendas, token, ids, args.clients)
            recipients = {f"{ambassador_id}@exemple.fr" for ambassador_id in ids}
            await sink.wait_for_recipients(recipients, within=max(300.0, args.count / 2))
            cpu_after = {name: sum(map(cpu_seconds, group)) for name, group in pids.items()}
            operations_after = store_operations(await mongo.admin.command("serverStatus"))
            load_after = os.getloadavg()[0]
            machine_after = machine_ticks()
    finally:
        await mongo.close()
        await drop_queues(amqp_url, settings.bus_prefix)
    first = min(sent.values())
    last_email = max(sink.accepted_for[recipient] for recipient in recipients)
    elapsed = last_email - first
    return Figures(
        replicas=count_each,
        count=args.count,
        accepted_per_second=args.count / (max(answered.values()) - first),
        emails_per_second=args.count / elapsed,
        latencies_ms=[
            (sink.accepted_for[f"{ambassador_id}@exemple.fr"] - sent[ambassador_id]) * 1000
            for ambassador_id in ids
        ],
        cpu_percent={
            name: 100 * (cpu_after[name] - cpu_before[name]) / elapsed for name in cpu_before
        },
        store_ops_per_second=(operations_after[0] - operations_before[0]) / elapsed,
        store_commands_per_second=(operations_after[1] - operations_before[1]) / elapsed,
        load=(load_before, load_after),
        machine_busy_percent=100
        * (machine_after[0] - machine_before[0])
        / max(machine_after[1] - machine_before[1], 1),
    )


def report(figures: Figures, alone: StoreAlone) -> None:
    """Print one configuration's figures."""
    latencies = figures.latencies_ms
    print(
        f"  {figures.replicas} agenda + {figures.replicas} notifier: "
        f"{figures.accepted_per_second:6.1f} solicitations/s accepted, "
        f"{figures.emails_per_second:6.1f} emails/s (solicitation → email), "
        f"latency p50 {statistics.median(latencies):6.0f} ms, "
        f"p95 {percentile(latencies, 0.95):6.0f} ms",
        flush=True,
    )
    cpu = ", ".join(f"{name} {percent:3.0f} %" for name, percent in figures.cpu_percent.items())
    print(
        f"      CPU (percent of one core): {cpu}; the whole machine busy "
        f"{figures.machine_busy_percent:.0f} % of its cores (load average "
        f"{figures.load[0]:.1f} → {figures.load[1]:.1f})",
        flush=True,
    )
    per_solicitation = figures.store_ops_per_second / figures.emails_per_second
    print(
        f"      store: {figures.store_ops_per_second:5.0f} operations/s, "
        f"{per_solicitation:.1f} per solicitation "
        f"({100 * figures.store_ops_per_second / alone.operations_per_second:.0f} % of the "
        f"simple ones it does alone), {figures.store_commands_per_second:4.0f} other "
        f"commands/s (transaction commits among them; alone "
        f"{alone.transactions_per_second:.0f} transactions/s)",
        flush=True,
    )


async def main() -> None:
    """Parse arguments, measure the store alone, run each configuration, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=600, help="solicitations per run")
    parser.add_argument("--clients", type=int, default=16, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each configuration")
    parser.add_argument("--probe-seconds", type=float, default=5.0, help="store alone")
    args = parser.parse_args()
    async with SmtpSink() as sink:
        with tempfile.TemporaryDirectory(prefix="replicas-bench-") as name:
            folder = Path(name)
            async with store_server(folder) as store, broker_url() as amqp_url:
                probe = connect(store.url, app_name="bench-probe")
                try:
                    alone = await store_alone(probe, args.clients, args.probe_seconds)
                finally:
                    await probe.close()
                print(
                    f"store alone, {args.clients} clients: "
                    f"{alone.operations_per_second:.0f} operations/s (insert, update), "
                    f"{alone.transactions_per_second:.0f} transactions/s (both in one)",
                    flush=True,
                )
                print(
                    f"{args.count} solicitations per run, {args.clients} in flight, "
                    f"{os.cpu_count()} cores:",
                    flush=True,
                )
                for _round in range(args.rounds):
                    for count_each in (1, 2):
                        figures = await one_configuration(
                            count_each, args, store, amqp_url, sink, folder
                        )
                        report(figures, alone)


if __name__ == "__main__":
    asyncio.run(main())
