"""Sign-up to activation throughput through the HTTP API.

Each round signs up ``--accounts`` ambassadors (``POST /ambassadors``) and activates
them (``POST /confirmations`` with the token of the link, read from the outbox as the
notifier would), ``--concurrency`` clients at a time, on the embedded store (or
``MONGO_URL``). The activation's argon2id hash (64 MiB, 3 passes) is most of the work,
on purpose: it is what makes stolen hashes expensive.

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


async def one(
    http: aiohttp.ClientSession, base: str, outbox: Any, timings: list[tuple[float, float]]
) -> None:
    email = f"{uuid.uuid4().hex[:12]}@example.org"
    started = time.perf_counter()
    async with http.post(f"{base}/ambassadors", json=sign_up(email)) as answer:
        assert answer.status == 201, await answer.text()
    signed = time.perf_counter()
    row = await outbox.find_one({"type": "accounts.user.registered", "envelope.data.email": email})
    token = parse_qs(urlparse(row["envelope"]["data"]["confirmation_url"]).query)["token"][0]
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
                outbox = platform.mongo[settings.database_name("accounts")]["outbox"]
                timings: list[tuple[float, float]] = []
                slots = asyncio.Semaphore(concurrency)
                try:
                    async with aiohttp.ClientSession() as http:

                        async def limited() -> None:
                            async with slots:
                                await one(http, base, outbox, timings)

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
