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

import aiohttp
import pytest

from tests.fixtures.smtp import free_port

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


@pytest.mark.timeout(180)
async def test_one_command_serves_every_service_mail_catcher_and_explorer(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    email = f"paul.{uuid.uuid4().hex[:6]}@example.org"
    async with embedded_platform(data_dir) as (base, process), aiohttp.ClientSession() as http:
        for name in SERVICES:
            async with http.get(f"{base}/api/{name}/health") as response:
                assert response.status == 200
                assert (await response.json())["status"] == "ok"
            async with http.get(f"{base}/api/{name}/openapi.json") as response:
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
        messages: list[dict[str, object]] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not messages:
            async with http.get(f"{base}/dev/mail/api/messages", params={"to": email}) as response:
                messages = (await response.json())["messages"]
            assert loop.time() < deadline, "the confirmation email never reached the mail catcher"
            await asyncio.sleep(0.2)
        async with http.get(f"{base}/dev/mail") as response:
            assert email in await response.text()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
        stdout = process.stdout.read().decode() if process.stdout else ""
        assert f"{base}/dev/mail" in stdout

    # Data survives a restart: the same sign-up is still there, and so is the mail.
    async with embedded_platform(data_dir) as (base, _), aiohttp.ClientSession() as http:
        async with http.get(f"{base}/dev/mail/api/messages", params={"to": email}) as response:
            assert len((await response.json())["messages"]) == 1
