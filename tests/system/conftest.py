"""The four services as four processes, with an admin, and the clients' side of HTTP.

Each service runs ``python -m services.<name>`` against the real RabbitMQ (a throw-away
vhost) and the session's MongoDB-wire server; the notifier sends to a real SMTP server
whose emails the tests read, links included.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import aiohttp
import pytest

from tests.accounts.conftest import LINK, PASSWORD
from tests.fixtures.http import Answer, send
from tests.fixtures.processes import service_processes, wait_healthy
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import ReceivedMail, SmtpServer

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "Administrer la plateforme 2026"
AMBASSADOR_EMAIL = "elodie.martin@example.org"
TEACHER_EMAIL = "paul.lefebvre@ac-lille.fr"
PARTNER_EMAIL = "rh@watt.example.org"

# What each process needs besides the common settings: an admin at start-up, short
# polls, and time for every service to answer an export.
OWN_SETTINGS: dict[str, dict[str, str]] = {
    "accounts": {
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "ACCOUNTS_EXPORT_TIMEOUT_SECONDS": "30",
    },
    "agenda": {"AGENDA_SCHEDULER_POLL_SECONDS": "0.2"},
    "notifier": {"NOTIFIER_POLL_SECONDS": "0.2", "NOTIFIER_RETRY_DELAYS": "0.2,0.5,1"},
}


@dataclass
class Platform:
    """The four services' base URLs, the HTTP client and the SMTP server."""

    urls: dict[str, str]
    http: aiohttp.ClientSession
    smtp: SmtpServer

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        json: Any = None,
        data: Any = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        """``path`` is ``/api/<service>/…``: sent to that service's process."""
        service = path.split("/")[2]
        url = f"{self.urls[service]}{path}"
        return await send(self.http, method, url, token=token, json=json, data=data, params=params)

    async def ok(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        """The body of an answer that must succeed."""
        answer = await self.call(method, path, token, **kwargs)
        assert answer.status < 300, (method, path, answer.status, answer.body)
        return answer.body

    async def mail(self, to: str, subject: str, *, within: float = 30) -> ReceivedMail:
        """The email to ``to`` whose subject starts with ``subject``, once it arrived."""

        def found() -> list[ReceivedMail]:
            return [m for m in self.smtp.to(to) if str(m.message["Subject"]).startswith(subject)]

        await wait_until(lambda: bool(found()), within=within, what=f"« {subject} » to {to}")
        return found()[0]

    async def join(self, email: str) -> tuple[str, str]:
        """Follow the link emailed at sign-up (or creation), sign in: (id, access token)."""
        mail = await self.mail(email, "Confirmez votre inscription")
        [link] = [link for link in LINK.findall(mail.text()) if "/activer?token=" in link]
        token = parse_qs(urlparse(link).query)["token"][0]
        confirmed = await self.ok(
            "POST",
            "/api/accounts/confirmations",
            json={"token": token, "password": PASSWORD},
        )
        return str(confirmed["id"]), await self.sign_in(email)

    async def sign_in(self, email: str, password: str = PASSWORD) -> str:
        """An access token."""
        session = await self.ok(
            "POST", "/api/accounts/sessions", json={"email": email, "password": password}
        )
        return str(session["access_token"])

    async def eventually(self, check: Any, *, within: float = 30, what: str) -> Any:
        """Wait until ``check()`` (a coroutine function) returns something truthy."""
        found: list[Any] = []

        async def holds() -> bool:
            result = await check()
            if result:
                found.append(result)
            return bool(result)

        await wait_until(holds, within=within, what=what)
        return found[0]


@pytest.fixture
async def platform(
    amqp_url: str, mongo_url: str, smtp_server: SmtpServer, tmp_path: Path
) -> AsyncIterator[Platform]:
    with service_processes(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        smtp=smtp_server,
        folder=tmp_path,
        common={"OUTBOX_SWEEP_SECONDS": "0.5"},
        own=OWN_SETTINGS,
    ) as deployment:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, deployment)
            yield Platform(deployment.urls, http, smtp_server)
        assert not deployment.exited(), f"exited during the journey: {deployment.exited()}"
