"""Sign-up to activation throughput through the HTTP API.

Signs up ``--accounts`` ambassadors (``POST /ambassadors``) and activates them
(``POST /confirmations`` with the token of the link), ``--concurrency`` clients at a
time, on the embedded store (or ``MONGO_URL``). A stand-in for the notifier consumes
accounts' events from the in-process bus (so the outbox drains as in production) and
hands over the confirmation link. The activation's argon2id hash (64 MiB, 3 passes)
is a large part of the work, on purpose: it is what makes stolen hashes expensive.

Run: ``python -m bench.accounts_signup [--accounts 200] [--concurrency 8]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp
from aiohttp import web

from bench.accounts_directory import store
from services.accounts.app import create_app
from services.accounts.settings import AccountsSettings
from shared.bus import Delivery, Subscription
from shared.contracts import accounts as accounts_events_module
from shared.contracts.accounts import UserRegistered
from shared.events import Event
from shared.runtime import Platform, gateway_app
from shared.settings import Settings

PASSWORD = "Une phrase de passe pour le banc d'essai"


def sign_up(email: str) -> dict[str, Any]:
    """A valid ambassador sign-up (fictional person)."""
    return {
        "profile": "professional",
        "first_name": "Camille",
        "last_name": "Essai",
        "email": email,
        "postcode": "59000",
        "city": "Lille",
        "job": {"title": "Électricienne", "sector": "energie", "employment": "self_employed"},
        "background": "Dix ans de chantiers.",
        "interventions": ["class_presentation"],
        "zone": {"departments": ["59"], "bassins": []},
        "charter_version": "2026-09",
        "charter_accepted": True,
    }


class Mailbox:
    """Stands for the notifier: consumes every accounts event, keeps confirmation links."""

    def __init__(self) -> None:
        self.links: dict[str, asyncio.Future[str]] = {}

    def expect(self, email: str) -> asyncio.Future[str]:
        """The link that will be (or was) sent to ``email``."""
        return self.links.setdefault(email, asyncio.get_running_loop().create_future())

    async def handle(self, delivery: Delivery) -> None:
        """Keep the link of each sign-up."""
        event = delivery.event
        if isinstance(event, UserRegistered) and event.confirmation_url:
            future = self.expect(event.email)
            if not future.done():
                future.set_result(event.confirmation_url)


def accounts_events() -> list[type[Event]]:
    """Every event type accounts publishes."""
    return [
        value
        for value in vars(accounts_events_module).values()
        if isinstance(value, type) and issubclass(value, Event) and "type" in value.__dict__
    ]


async def one(
    http: aiohttp.ClientSession, base: str, mailbox: Mailbox, timings: list[tuple[float, float]]
) -> None:
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    started = time.perf_counter()
    async with http.post(f"{base}/ambassadors", json=sign_up(email)) as answer:
        assert answer.status == 201, await answer.text()
    url = await mailbox.expect(email)  # published by the outbox relay, as in production
    signed = time.perf_counter()
    token = parse_qs(urlparse(url).query)["token"][0]
    async with http.post(
        f"{base}/confirmations", json={"token": token, "password": PASSWORD}
    ) as answer:
        assert answer.status == 200, await answer.text()
    timings.append((signed - started, time.perf_counter() - signed))


async def run(accounts: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with store(Path(folder) / "store") as url:
            settings = Settings(
                mongo_url=url,
                data_dir=Path(folder),
                database_prefix="bench_",
                log_json=False,
                log_level="WARNING",
            )
            # The sign-up limit per address would stop one client sending hundreds.
            options = AccountsSettings(signup_requests_per_address=1_000_000)
            async with Platform.open(settings, process="bench", create_keys=True) as platform:
                root = gateway_app(platform, {"accounts": lambda p: create_app(p, options)})
                runner = web.AppRunner(root, access_log=None)
                await runner.setup()
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
                base = f"http://127.0.0.1:{port}/api/accounts"
                mailbox = Mailbox()
                for model in accounts_events():
                    await platform.bus.subscribe(
                        Subscription("bench", "sink", model, mailbox.handle)
                    )
                timings: list[tuple[float, float]] = []
                slots = asyncio.Semaphore(concurrency)
                try:
                    async with aiohttp.ClientSession() as http:

                        async def limited() -> None:
                            async with slots:
                                await one(http, base, mailbox, timings)

                        started = time.perf_counter()
                        await asyncio.gather(*(limited() for _ in range(accounts)))
                        elapsed = time.perf_counter() - started
                finally:
                    await runner.cleanup()
    sign_ups = sorted(t[0] * 1000 for t in timings)
    activations = sorted(t[1] * 1000 for t in timings)
    rate = accounts / elapsed
    print(f"{accounts} sign-ups + activations, {concurrency} clients: {rate:.1f} accounts/s")
    for label, values in (("sign-up", sign_ups), ("activation", activations)):
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"  {label:<11} p50 {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.accounts, arguments.concurrency))


if __name__ == "__main__":
    main()
