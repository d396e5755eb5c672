"""The four services as four processes, as a deployment runs them.

Each runs ``python -m services.<name>`` with its settings from the environment, against
the real RabbitMQ and the session's MongoDB-wire server; the test talks HTTP to them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.fixtures.processes import Deployment, service_processes, wait_healthy
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.broker


@pytest.fixture
async def deployment(
    amqp_url: str, mongo_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> AsyncIterator[tuple[Deployment, aiohttp.ClientSession]]:
    with service_processes(
        amqp_url=amqp_url, mongo_url=mongo_url, smtp=smtp_server, folder=tmp_path
    ) as running:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, running)
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
        # Each process describes its own events, with the subscriptions it made.
        async with http.get(f"{url}/api/{name}/asyncapi.json") as response:
            events = await response.json()
        assert events["asyncapi"] == "3.0.0"
        assert any(op["action"] == "receive" for op in events["operations"].values())


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
