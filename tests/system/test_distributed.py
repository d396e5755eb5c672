"""The four services as four processes, as a deployment runs them.

Each runs ``python -m services.<name>`` with its settings from the environment, against
the real RabbitMQ and the session's MongoDB-wire server; the test talks HTTP to them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.fixtures.smtp import SmtpServer, free_port

SERVICES = ("accounts", "agenda", "messaging", "notifier")
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.broker


@dataclass
class Deployment:
    """Base URL of each running service process."""

    urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]


def _key_pair() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@contextlib.contextmanager
def _processes(
    amqp_url: str, mongo_url: str, smtp: SmtpServer, data_dir: Path
) -> Iterator[Deployment]:
    private, public = _key_pair()
    prefix = uuid.uuid4().hex[:8]
    common = {
        **os.environ,
        "AMQP_URL": amqp_url,
        "MONGO_URL": mongo_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "DATABASE_PREFIX": f"d{prefix}_",
        "BUS_PREFIX": f"d{prefix}",
        "BUS_RETRY_DELAYS": "0.2,0.5,1",
        "ACCESS_TOKEN_PUBLIC_KEY": public,
        "RELAY_SMTP_PORT": str(free_port()),
        "LOG_LEVEL": "WARNING",
    }
    urls: dict[str, str] = {}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name in SERVICES:
            port = free_port()
            env = {**common, "HTTP_PORT": str(port), "DATA_DIR": str(data_dir / name)}
            if name == "accounts":
                env["ACCESS_TOKEN_PRIVATE_KEY"] = private
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", f"services.{name}"],
                cwd=REPO,
                env=env,
                stderr=(data_dir / f"{name}.log").open("wb"),
            )
            urls[name] = f"http://127.0.0.1:{port}"
        yield Deployment(urls, processes)
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def _wait_healthy(
    http: aiohttp.ClientSession, deployment: Deployment, within: float = 60
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    for name, url in deployment.urls.items():
        while True:
            assert deployment.processes[name].poll() is None, f"{name} exited"
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{url}/api/{name}/health") as response:
                    if response.status == 200:
                        break
            assert loop.time() < deadline, f"{name} never became healthy"
            await asyncio.sleep(0.2)


@pytest.fixture
async def deployment(
    amqp_url: str, mongo_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> AsyncIterator[tuple[Deployment, aiohttp.ClientSession]]:
    with _processes(amqp_url, mongo_url, smtp_server, tmp_path) as running:
        async with aiohttp.ClientSession() as http:
            await _wait_healthy(http, running)
            yield running, http


async def test_four_processes_report_healthy_broker_and_database(
    deployment: tuple[Deployment, aiohttp.ClientSession],
) -> None:
    running, http = deployment
    for name, url in running.urls.items():
        async with http.get(f"{url}/api/{name}/health") as response:
            body = await response.json()
        assert response.status == 200
        assert body["status"] == "ok"
        assert body["database"]["connected"] is True
        assert body["bus"]["connected"] is True
        async with http.get(f"{url}/api/{name}/openapi.json") as response:
            document = await response.json()
        assert document["openapi"].startswith("3.")
        assert "/health" in document["paths"]


async def test_sign_up_in_accounts_process_is_emailed_by_notifier_process(
    deployment: tuple[Deployment, aiohttp.ClientSession], smtp_server: SmtpServer
) -> None:
    running, http = deployment
    email = f"lea.{uuid.uuid4().hex[:6]}@example.org"
    async with http.post(
        f"{running.urls['accounts']}/api/accounts/staff",
        json={
            "first_name": "Léa",
            "last_name": "Martin",
            "email": email,
            "establishment": {
                "uai": "0590001A",
                "name": "Collège Jean Moulin",
                "city": "Lille",
                "postcode": "59000",
            },
            "position": "Professeure principale",
        },
    ) as response:
        assert response.status == 201, await response.text()
    [mail] = await smtp_server.wait_for(1, to=email, within=30)
    assert re.search(r"/activer\?token=[\w-]{20,}", mail.text())
