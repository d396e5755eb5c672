"""A three-node RabbitMQ cluster losing the node that leads the queues mid-burst.

The test starts three RabbitMQ nodes of its own, clustered (``tests/fixtures/cluster``);
the platform's quorum queues are replicated on all three. Agenda and the notifier run
as separate processes (``python -m services.<name>``) given the three nodes in
``AMQP_URL``; a real SMTP server receives the emails. In the middle of a burst of
solicitations, the node that leads the notifier's queue goes away, stopped by name
(``rabbitmqctl stop``, as an upgrade does) or crashed (its VM killed): every ambassador
still gets their email, once, from the same two processes, now connected to the
remaining nodes; started again, the node is back in the cluster.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pymongo import AsyncMongoClient

from shared.bus.rabbit import RabbitBus
from shared.contracts.accounts import (
    AmbassadorProfileChanged,
    StaffProfileChanged,
    Territory,
    UserRegistered,
)
from shared.events import Envelope, Event
from shared.french import PARIS
from shared.http import AccessTokenSigner, Principal
from shared.mongo import Document
from shared.settings import Settings
from tests.fixtures.cluster import LocalCluster, Node
from tests.fixtures.processes import Deployment, service_processes, wait_healthy
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

AMBASSADORS = 60
# Solicitations answered before the leader goes: the rest of the burst, and
# the emails of all, go through the failover.
BEFORE_STOP = 20
UAI = "0590001A"

OWN_SETTINGS = {
    "agenda": {"AGENDA_SCHEDULER_POLL_SECONDS": "0.5"},
    "notifier": {"NOTIFIER_POLL_SECONDS": "0.2", "NOTIFIER_RETRY_DELAYS": "0.2,0.5,1"},
}


def _people() -> list[Event]:
    """What accounts would have said: the ambassadors, solicitable, and one teacher."""
    events: list[Event] = []
    for number in range(AMBASSADORS):
        user_id = f"amb-{number:03d}"
        events += [
            AmbassadorProfileChanged(
                ambassador_id=user_id,
                revision=1,
                first_name="Zoé",
                last_initial="M.",
                profile="professional",
                job_title="Développeuse",
                sector="numerique",
                interventions=["class_presentation"],
                zone=Territory(departments=["59"]),
                solicitable=True,
            ),
            UserRegistered(
                user_id=user_id,
                role="ambassador",
                email=f"{user_id}@example.org",
                first_name="Zoé",
                last_name="Martin",
            ),
        ]
    events += [
        StaffProfileChanged(
            user_id="teacher",
            first_name="Paul",
            last_initial="D.",
            establishment_uai=UAI,
            establishment_name="Collège Jean Moulin",
            city="Lille",
            postcode="59000",
            department="59",
        ),
        UserRegistered(
            user_id="teacher",
            role="staff",
            email="paul.durand@example.org",
            first_name="Paul",
            last_name="Durand",
        ),
    ]
    return events


async def _introduce(
    amqp_url: str, deployment: Deployment, mongo: AsyncMongoClient[Document]
) -> None:
    """Publish accounts' events; wait until agenda and the notifier know everyone."""
    publisher = RabbitBus(Settings(amqp_url=amqp_url, bus_prefix=deployment.prefix), "accounts")
    await publisher.start()
    try:
        envelopes = [Envelope.wrap(event, producer="accounts") for event in _people()]
        assert not any(await publisher.publish_many(envelopes))
    finally:
        await publisher.close()
    agenda = mongo[f"{deployment.prefix}_agenda"]
    notifier = mongo[f"{deployment.prefix}_notifier"]

    async def known() -> bool:
        return (
            await agenda["ambassadors"].count_documents({}) == AMBASSADORS
            and await agenda["staff"].count_documents({}) == 1
            and await notifier["recipients"].count_documents({}) == AMBASSADORS + 1
        )

    await wait_until(known, within=120, what="agenda and the notifier to know everyone")


def _solicitation(ambassador_id: str) -> dict[str, Any]:
    starts = (
        (datetime.now(UTC) + timedelta(days=14))
        .astimezone(PARIS)
        .replace(hour=10, minute=0, second=0, microsecond=0)
    )
    return {
        "ambassador_id": ambassador_id,
        "kind": "class_presentation",
        "starts_at": starts.isoformat(),
        "duration_minutes": 45,
        "audience": {"level": "3e", "group_size": 28},
        "topic": "Les métiers du numérique",
        "team_member_present": True,
    }


async def _health(http: aiohttp.ClientSession, deployment: Deployment, name: str) -> Any:
    async with http.get(f"{deployment.urls[name]}/api/{name}/health") as response:
        return (await response.json())["bus"]


def _port(address: str) -> int:
    return int(address.split("/")[0].rsplit(":", 1)[1])


async def _leader_of_the_notifier_queue(cluster: LocalCluster, deployment: Deployment) -> Node:
    queues = [
        entry
        for entry in await cluster.queues(cluster.nodes[1])
        if str(entry["name"]).startswith(f"{deployment.prefix}.")
    ]
    # Every queue of the platform is a quorum queue replicated on every node.
    every_node = sorted(node.name for node in cluster.nodes)
    assert {entry["type"] for entry in queues} == {"quorum"}
    assert all(sorted(entry["members"]) == every_node for entry in queues)
    [queue] = [
        entry
        for entry in queues
        if str(entry["name"]).startswith(
            f"{deployment.prefix}.evt-agenda.solicitation.created--notifier."
        )
        and not str(entry["name"]).endswith(".parking")
    ]
    return cluster.node_named(str(queue["leader"]))


@pytest.mark.parametrize("loss", ["stopped", "killed"])
async def test_losing_the_leading_node_mid_burst_loses_no_email_and_sends_none_twice(
    loss: str,
    cluster: LocalCluster,
    mongo_url: str,
    mongo_client: AsyncMongoClient[Document],
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    amqp_url = ",".join(node.url() for node in cluster.nodes)
    with service_processes(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        smtp=smtp_server,
        folder=tmp_path,
        services=("agenda", "notifier"),
        common={"OUTBOX_SWEEP_SECONDS": "0.5", "LOG_LEVEL": "INFO"},
        own=OWN_SETTINGS,
    ) as deployment:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, deployment, within=120)
            pids = {name: process.pid for name, process in deployment.processes.items()}
            await _introduce(amqp_url, deployment, mongo_client)
            leader = await _leader_of_the_notifier_queue(cluster, deployment)
            on_leader = [
                name
                for name in deployment.urls
                if _port((await _health(http, deployment, name))["address"]) == leader.amqp_port
            ]
            before = {name: (await _health(http, deployment, name))["reconnects"] for name in pids}

            token = AccessTokenSigner(deployment.keys.private_pem, 3600).issue(
                Principal(
                    user_id="teacher",
                    role="staff",
                    session_id="cluster-test",
                    establishment_uai=UAI,
                    establishment_department="59",
                )
            )
            answered: list[str] = []

            async def solicit(ambassador_id: str) -> None:
                async with http.post(
                    f"{deployment.urls['agenda']}/api/agenda/solicitations",
                    json=_solicitation(ambassador_id),
                    headers={"Authorization": f"Bearer {token}"},
                ) as response:
                    assert response.status == 201, await response.text()
                answered.append(ambassador_id)

            async def burst() -> None:
                # A steady stream, so that the node stops in the middle of it.
                sending = []
                for number in range(AMBASSADORS):
                    sending.append(asyncio.create_task(solicit(f"amb-{number:03d}")))
                    await asyncio.sleep(0.1)
                await asyncio.gather(*sending)

            bursting = asyncio.create_task(burst())
            await wait_until(lambda: len(answered) >= BEFORE_STOP, within=60, what="the burst")
            if loss == "killed":
                await cluster.kill_node(leader)
            else:
                await cluster.stop_node(leader)
            await bursting

            addresses = {f"amb-{number:03d}@example.org" for number in range(AMBASSADORS)}
            try:
                await wait_until(
                    lambda: {to for mail in smtp_server.inbox for to in mail.rcpt_tos} >= addresses,
                    within=180,
                    what="an email to every ambassador",
                )
            except AssertionError as timed_out:
                # Slow or lost: say which, with what each process logged.
                raise AssertionError(
                    await _what_is_missing(
                        http, deployment, smtp_server, addresses, tmp_path, cluster, leader
                    )
                ) from timed_out
            await _every_delivery_settled(http, deployment)

            received = Counter(to for mail in smtp_server.inbox for to in mail.rcpt_tos)
            assert received == Counter(dict.fromkeys(addresses, 1))
            message_ids = {mail.message["Message-ID"] for mail in smtp_server.inbox}
            assert len(message_ids) == AMBASSADORS

            # The same processes, moved to the nodes left.
            assert not deployment.exited()
            assert {name: p.pid for name, p in deployment.processes.items()} == pids
            assert on_leader, "no process was connected to the leading node"
            for name in pids:
                state = await _health(http, deployment, name)
                assert state["connected"] is True
                assert _port(state["address"]) != leader.amqp_port
                if name in on_leader:
                    assert state["reconnects"] > before[name]

            # Started again, the node rejoins its cluster.
            await cluster.start_node(leader)
            survivor = next(node for node in cluster.nodes if node is not leader)
            assert await cluster.running_nodes(survivor) == {n.name for n in cluster.nodes}


async def _what_is_missing(
    http: aiohttp.ClientSession,
    deployment: Deployment,
    smtp_server: SmtpServer,
    addresses: set[str],
    folder: Path,
    cluster: LocalCluster,
    lost: Node,
) -> str:
    received = {to for mail in smtp_server.inbox for to in mail.rcpt_tos}
    lines = [
        f"{len(addresses - received)} of {len(addresses)} ambassadors got no email: "
        f"{sorted(addresses - received)}",
        f"deliveries: {await _delivery_totals(http, deployment)}",
        f"processes exited: {deployment.exited()}",
        f"node lost: {lost.name} (AMQP port {lost.amqp_port})",
    ]
    for name in deployment.processes:
        lines.append(f"{name}'s health: {await _health(http, deployment, name)}")
    survivor = next(node for node in cluster.nodes if node is not lost)
    lines.append(f"queues seen from {survivor.name}: {await cluster.queues(survivor)}")
    for name in deployment.processes:
        log = (folder / f"{name}.log").read_text(errors="replace").splitlines()
        lines += [f"--- last lines of {name}'s log:", *log[-15:]]
    return "\n".join(lines)


async def _delivery_totals(http: aiohttp.ClientSession, deployment: Deployment) -> Any:
    token = AccessTokenSigner(deployment.keys.private_pem, 3600).issue(
        Principal(user_id="admin", role="admin", session_id="cluster-test")
    )
    async with http.get(
        f"{deployment.urls['notifier']}/api/notifier/deliveries/totals",
        headers={"Authorization": f"Bearer {token}"},
    ) as response:
        return await response.json()


async def _every_delivery_settled(http: aiohttp.ClientSession, deployment: Deployment) -> None:
    """Wait until the notifier has nothing queued or being sent: a copy sent twice
    would have been sent by then."""

    async def settled() -> bool:
        totals = await _delivery_totals(http, deployment)
        return bool(totals["queued"] == totals["sending"] == 0 and totals["sent"] >= AMBASSADORS)

    await wait_until(settled, within=60, what="every delivery settled")
