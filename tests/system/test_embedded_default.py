"""The README's run command as a newcomer uses it: one process, everything inside."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fixtures.smtp import free_port
from tests.metrics.scrape import parse

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("accounts", "agenda", "messaging", "notifier")


@contextlib.asynccontextmanager
async def embedded_platform(data_dir: Path) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    """``python -m embedded`` on a free port, until it answers; stopped with SIGINT."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"AMQP_URL", "MONGO_URL", "SMTP_HOST", "SMTP_PORT"}
    }
    env.update(
        HTTP_PORT=str(port),
        DATA_DIR=str(data_dir),
        RELAY_SMTP_PORT=str(free_port()),
        LOG_LEVEL="WARNING",
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "embedded"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=(data_dir.parent / f"embedded-{port}.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while True:
                assert process.poll() is None, "the platform exited during start-up"
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/api/accounts/health") as response:
                        if response.status == 200:
                            break
                assert loop.time() < deadline, "the platform never answered"
                await asyncio.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                raise


async def _caught_mail(http: aiohttp.ClientSession, base: str, to: str) -> dict[str, Any]:
    """The newest mail the catcher holds for ``to``, with its links (waits for it)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    while True:
        async with http.get(f"{base}/dev/mail/api/messages", params={"to": to}) as response:
            items = (await response.json())["items"]
        if items:
            async with http.get(f"{base}/dev/mail/api/messages/{items[0]['id']}") as response:
                mail: dict[str, Any] = await response.json()
                return mail
        assert loop.time() < deadline, f"no mail reached the mail catcher for {to}"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(180)
async def test_one_command_serves_every_service_mail_catcher_and_explorer(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"paul.{uuid.uuid4().hex[:6]}@example.org"
    password = "un chemin de halage sous la pluie"
    async with embedded_platform(data_dir) as (base, process), aiohttp.ClientSession() as http:
        for name in SERVICES:
            async with http.get(f"{base}/api/{name}/health") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"
            async with http.get(f"{base}/api/{name}/openapi.json") as response:
                assert response.status == 200
            async with http.get(f"{base}/api/{name}/asyncapi.json") as response:
                assert response.status == 200
        async with http.get(f"{base}/") as response:
            assert response.status == 200
            assert "text/html" in response.headers["Content-Type"]
        async with http.post(
            f"{base}/api/accounts/staff",
            json={
                "first_name": "Paul",
                "last_name": "Durand",
                "email": email,
                "establishment": {
                    "uai": "0620001B",
                    "name": "Lycée Fictif",
                    "city": "Arras",
                    "postcode": "62000",
                },
                "position": "CPE",
            },
        ) as response:
            assert response.status == 201, await response.text()

        # A newcomer follows the link of the caught confirmation email.
        mail = await _caught_mail(http, base, email)
        [link] = [link for link in mail["links"] if "/activer?token=" in link]
        token = link.split("token=", 1)[1]
        async with http.post(
            f"{base}/api/accounts/confirmations", json={"token": token, "password": password}
        ) as response:
            assert response.status == 200, await response.text()
        async with http.get(f"{base}/dev/mail/") as response:
            assert email in await response.text()
        # One process, one registry: each service's page (and the site's) has its own.
        for name in (*SERVICES, "web"):
            path = "/metrics" if name == "web" else f"/api/{name}/metrics"
            async with http.get(f"{base}{path}") as response:
                assert response.status == 200
                page = parse(await response.text())
            assert page.services() == {name}, name
            assert page.value("po_http_request_duration_seconds_count") > 0, name

        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        stdout = process.stdout.read().decode() if process.stdout else ""
        assert f"{base}/dev/mail" in stdout
        assert "demo" in stdout

    # The store's data survives a restart: the account activated before logs in now.
    async with (
        embedded_platform(data_dir) as (base, _),
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/api/accounts/sessions", json={"email": email, "password": password}
        ) as response,
    ):
        assert response.status == 200, await response.text()
        assert (await response.json())["user"]["role"] == "staff"
