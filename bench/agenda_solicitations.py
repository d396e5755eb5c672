"""From a solicitation sent through the HTTP API to its email accepted by an SMTP server.

Teachers send ``--count`` solicitations at ``--rate`` per second (open loop: each is
sent at its planned time whether or not the previous ones are answered) to as many
ambassadors, through ``POST /api/agenda/solicitations`` on a real socket. The whole
path then runs for real: agenda's transaction and outbox, the bus (in-process, or
RabbitMQ when ``AMQP_URL`` is set), the notifier's handler rendering the email and
its delivery worker, and an aiosmtpd server in another process that stamps each
message it accepts. Latency per solicitation: from the moment its request is sent to
the moment the SMTP server accepted its email.

People are made known to agenda and the notifier by accounts' events published on
the bus beforehand (the ambassadors' profiles, everyone's contact), as accounts would.
The store is the embedded one (SecantusDB) unless ``MONGO_URL`` is set.

Run: ``python -m bench.agenda_solicitations [--rate 50] [--count 1000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from pymongo import AsyncMongoClient

from bench.figures import latency_figures
from bench.servers import store_url
from bench.smtp_sink import SmtpSink
from embedded.ports import free_port
from services.agenda.app import create_app as agenda_app
from services.notifier.app import create_app as notifier_app
from shared.bus import Bus
from shared.contracts.accounts import (
    AmbassadorProfileChanged,
    StaffProfileChanged,
    Territory,
    UserRegistered,
)
from shared.events import Envelope, Event
from shared.french import PARIS
from shared.http import AccessTokenSigner, Principal
from shared.keys import load_key_pair
from shared.mongo import Document
from shared.runtime import Platform, gateway_app
from shared.settings import Settings

# The SMTP sink, run by another interpreter: "<CLOCK_MONOTONIC> <recipient>" per
# accepted message (Linux shares the monotonic clock between processes).
UAI = "0590001A"


def people(count: int) -> tuple[list[Event], list[str]]:
    """accounts' events making ``count`` ambassadors and one teacher known; their ids."""
    events: list[Event] = []
    ids = [f"amb-{n:05d}" for n in range(count)]
    for ambassador_id in ids:
        events.append(
            AmbassadorProfileChanged(
                ambassador_id=ambassador_id,
                revision=1,
                first_name="Zoé",
                last_initial="M.",
                profile="professional",
                job_title="Développeuse",
                sector="numerique",
                interventions=["class_presentation"],
                zone=Territory(departments=["59"]),
                solicitable=True,
            )
        )
        # Already active (no link to send): the notifier only learns the address.
        events.append(
            UserRegistered(
                user_id=ambassador_id,
                role="ambassador",
                email=f"{ambassador_id}@exemple.fr",
                first_name="Zoé",
                last_name="Martin",
            )
        )
    events.append(
        StaffProfileChanged(
            user_id="teacher",
            first_name="Paul",
            last_initial="D.",
            establishment_uai=UAI,
            establishment_name="Collège Jean Moulin",
            city="Lille",
            postcode="59000",
            department="59",
        )
    )
    events.append(
        UserRegistered(
            user_id="teacher",
            role="staff",
            email="paul@exemple.fr",
            first_name="Paul",
            last_name="Durand",
        )
    )
    return events, ids


async def introduce(
    bus: Bus, mongo: AsyncMongoClient[Document], settings: Settings, events: list[Event], count: int
) -> None:
    """Publish accounts' events and wait until agenda and the notifier know everyone."""
    envelopes = [Envelope.wrap(event, producer="accounts") for event in events]
    for start in range(0, len(envelopes), 500):
        errors = await bus.publish_many(envelopes[start : start + 500])
        assert not any(errors), errors
    agenda = mongo[settings.database_name("agenda")]
    notifier = mongo[settings.database_name("notifier")]
    deadline = time.monotonic() + 600
    while True:
        copies = await agenda["ambassadors"].count_documents({})
        staff = await agenda["staff"].count_documents({})
        contacts = await notifier["recipients"].count_documents({})
        if copies == count and staff == 1 and contacts == count + 1:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{copies} copies, {staff} staff, {contacts} contacts")
        await asyncio.sleep(0.2)


def body(ambassador_id: str, starts: datetime) -> dict[str, Any]:
    """A solicitation's visit brief."""
    return {
        "ambassador_id": ambassador_id,
        "kind": "class_presentation",
        "starts_at": starts.isoformat(),
        "duration_minutes": 45,
        "audience": {"level": "3e", "group_size": 28},
        "topic": "Les métiers du numérique",
        "team_member_present": True,
        "message": "Bonjour, nos élèves de 3e seraient ravis de vous rencontrer.",
    }


def line(name: str, values: list[float]) -> str:
    """p50/p95/p99/max of latencies in milliseconds."""
    return f"  {name:<24} {latency_figures(values, '7.0f', quantiles=(0.95, 0.99))}"


async def main() -> None:
    """Parse arguments, set up, send at the planned rate, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rate", type=float, default=50.0, help="solicitations per second")
    parser.add_argument("--count", type=int, default=1_000, help="solicitations in all")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    async with SmtpSink() as sink:
        with tempfile.TemporaryDirectory(prefix="agenda-bench-") as folder:
            async with store_url(Path(folder)) as url:
                await run(args, sink, url, Path(folder))


async def run(args: argparse.Namespace, sink: SmtpSink, url: str, folder: Path) -> None:
    """One measured run."""
    settings = Settings(
        mongo_url=url,
        amqp_url=os.environ.get("AMQP_URL"),
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        data_dir=folder,
        database_prefix=f"bench{uuid.uuid4().hex[:6]}_",
        bus_prefix=f"bench{uuid.uuid4().hex[:6]}",
        log_json=False,
        log_level="WARNING",
    )
    keys = load_key_pair(settings, create=True)
    events, ids = people(args.count)
    async with Platform.open(settings, process="bench") as platform:
        app = gateway_app(platform, {"agenda": agenda_app, "notifier": notifier_app})
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            started = time.monotonic()
            await introduce(platform.bus, platform.mongo, settings, events, args.count)
            print(
                f"{args.count} ambassadors made known in {time.monotonic() - started:.0f} s",
                flush=True,
            )
            signer = AccessTokenSigner(keys.private_pem, 3600)
            token = signer.issue(
                Principal(
                    user_id="teacher", role="staff", session_id="bench", establishment_uai=UAI
                )
            )
            sent, answered = await send(port, token, ids, args.rate)
            recipients = {f"{ambassador_id}@exemple.fr" for ambassador_id in ids}
            await sink.wait_for_recipients(recipients, within=max(120.0, args.count / 5))
            stages = await milestones(platform, settings)
        finally:
            await runner.cleanup()
    total = [
        (sink.accepted_for[f"{ambassador_id}@exemple.fr"] - sent[ambassador_id]) * 1000
        for ambassador_id in ids
    ]
    http = [(answered[a] - sent[a]) * 1000 for a in ids]
    first, last = min(sent.values()), max(sink.accepted_for.values())
    print(
        f"\n{args.count} solicitations sent at {args.rate:g}/s "
        f"(achieved {args.count / (max(sent.values()) - first):.1f}/s); "
        f"all {len(total)} emails accepted {last - first:.1f} s after the first request:"
    )
    print(line("HTTP answer (201)", http))
    print(line("request → email accepted", total))
    print("where the time goes (from the request being sent):")
    for stage, at in stages.items():
        print(line(f"  {stage}", [(at[a] - sent[a]) * 1000 for a in ids if a in at]))


async def milestones(platform: Platform, settings: Settings) -> dict[str, dict[str, float]]:
    """When each solicitation passed each stage, per ambassador, on the monotonic clock.

    The services stamp their records with the wall clock; both clocks are read
    together once to convert (good to a millisecond or so, enough here).
    """
    to_monotonic = time.monotonic() - time.time()
    agenda = platform.mongo[settings.database_name("agenda")]
    notifier = platform.mongo[settings.database_name("notifier")]
    created: dict[str, float] = {}
    ambassador_of: dict[str, str] = {}
    async for row in agenda["appointments"].find({}, {"ambassador_id": 1, "created_at": 1}):
        created[row["ambassador_id"]] = row["created_at"].timestamp() + to_monotonic
        ambassador_of[row["_id"]] = row["ambassador_id"]
    published: dict[str, float] = {}
    async for row in agenda["outbox"].find({"type": "agenda.solicitation.created"}):
        ambassador = ambassador_of.get(row["envelope"].get("correlation_id"))
        if ambassador and row.get("published_at"):
            published[ambassador] = row["published_at"].timestamp() + to_monotonic
    queued: dict[str, float] = {}
    mailed: dict[str, float] = {}
    async for row in notifier["deliveries"].find(
        {}, {"recipient": 1, "created_at": 1, "sent_at": 1}
    ):
        ambassador = row["recipient"].split("@")[0]
        queued[ambassador] = row["created_at"].timestamp() + to_monotonic
        if row.get("sent_at"):
            mailed[ambassador] = row["sent_at"].timestamp() + to_monotonic
    return {
        "agenda transaction": created,
        "event published (outbox)": published,
        "email queued (notifier)": queued,
        "email marked sent": mailed,
    }


async def send(
    port: int, token: str, ids: list[str], rate: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Send one solicitation per ambassador at ``rate``; when each was sent and answered."""
    url = f"http://127.0.0.1:{port}/api/agenda/solicitations"
    timings = Timings(token)
    connector = aiohttp.TCPConnector(limit=200)
    async with aiohttp.ClientSession(connector=connector) as http:
        begin = time.monotonic()
        tasks = []
        for number, ambassador_id in enumerate(ids):
            delay = begin + number / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(timings.solicit(http, url, ambassador_id)))
        await asyncio.gather(*tasks)
    return timings.sent, timings.answered


class Timings:
    """Solicitations sent for one ambassador each, at 10:00 two weeks ahead (a slot every
    ambassador has free), with when each was sent and answered."""

    def __init__(self, token: str) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}
        self.starts = (
            (datetime.now(UTC) + timedelta(days=14))
            .astimezone(PARIS)
            .replace(hour=10, minute=0, second=0, microsecond=0)
        )
        self.sent: dict[str, float] = {}
        self.answered: dict[str, float] = {}

    async def solicit(self, http: aiohttp.ClientSession, url: str, ambassador_id: str) -> None:
        """Send one solicitation to ``url``; it must be created."""
        self.sent[ambassador_id] = time.monotonic()
        async with http.post(
            url, json=body(ambassador_id, self.starts), headers=self.headers
        ) as response:
            answer = await response.json()
            assert response.status == 201, answer
        self.answered[ambassador_id] = time.monotonic()


if __name__ == "__main__":
    asyncio.run(main())
