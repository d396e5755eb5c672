"""Accounts served over a real socket, with helpers that act as its clients would.

Without the notifier, accounts' events stay in its outbox (nobody subscribes to them
in memory): tests that are not about emails read links from there. The end-to-end
tests run the notifier too and read links from the emails a real SMTP server got.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from services.accounts.app import create_app
from services.accounts.settings import AccountsSettings
from shared.mongo import Document
from shared.settings import Settings
from tests.fixtures.http import Answer, send
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.windows import clear_of_window_turn

PASSWORD = "Une phrase de passe bien longue"
CHARTER_VERSION = "2026-09"
LINK = re.compile(r"https?://[^\s\"'<>]+token=[A-Za-z0-9_\-]+")


@dataclass
class Client:
    """A client of ``/api/accounts`` on a running platform."""

    running: RunningPlatform

    @property
    def settings(self) -> Settings:
        """The platform's settings."""
        return self.running.settings

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        token: str | None = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        """Send a request to ``/api/accounts{path}``."""
        url = self.running.url(f"/api/accounts{path}")
        return await send(
            self.running.http,
            method,
            url,
            token=token,
            json=json,
            data=data,
            params=params,
            headers=headers,
        )

    @property
    def db(self) -> Any:
        """The accounts database, for checks a client cannot make."""
        return self.running.platform.mongo[self.settings.database_name("accounts")]

    async def outbox(self, event_type: str) -> list[Document]:
        """Data of the events of this type still in the outbox (oldest first)."""
        rows = self.db["outbox"].find({"type": event_type}).sort("created_at", 1)
        return [row["envelope"]["data"] async for row in rows if "data" in row["envelope"]]

    async def link(self, event_type: str, email: str, field_name: str = "confirmation_url") -> str:
        """The token of the newest link sent to ``email`` by an event in the outbox."""
        for data in reversed(await self.outbox(event_type)):
            if email in (data.get("email"), data.get("new_email")):
                return token_of(str(data[field_name]))
        raise AssertionError(f"no {event_type} for {email} in the outbox")

    async def sign_up(self, **overrides: Any) -> Answer:
        """Sign up an ambassador (valid unless overridden)."""
        return await self.call("POST", "/ambassadors", json=ambassador(**overrides))

    async def activate(self, email: str, password: str = PASSWORD) -> Answer:
        """Confirm an account with the link in the outbox."""
        token = await self.link("accounts.user.registered", email)
        return await self.call(
            "POST", "/confirmations", json={"token": token, "password": password}
        )

    async def log_in(self, email: str, password: str = PASSWORD) -> Answer:
        """Open a session."""
        return await self.call("POST", "/sessions", json={"email": email, "password": password})

    async def token(self, email: str, password: str = PASSWORD) -> str:
        """An access token for ``email`` (the account must be active)."""
        answer = await self.log_in(email, password)
        assert answer.status == 200, answer.body
        return str(answer.body["access_token"])

    async def ambassador(self, email: str, /, **overrides: Any) -> tuple[str, str]:
        """An active ambassador: (id, access token)."""
        answer = await self.sign_up(**{**overrides, "email": email})
        assert answer.status == 201, answer.body
        confirmed = await self.activate(email)
        assert confirmed.status == 200, confirmed.body
        return str(confirmed.body["id"]), await self.token(email)

    async def staff(self, email: str, **overrides: Any) -> tuple[str, str]:
        """An active member of an educational team: (id, access token)."""
        answer = await self.call("POST", "/staff", json=staff(email=email, **overrides))
        assert answer.status == 201, answer.body
        confirmed = await self.activate(email)
        assert confirmed.status == 200, confirmed.body
        return str(confirmed.body["id"]), await self.token(email)

    async def admin_token(self) -> str:
        """The start-up admin's token (``ADMIN_EMAIL`` of the settings)."""
        assert self.settings.admin_email
        assert self.settings.admin_password
        return await self.token(self.settings.admin_email, self.settings.admin_password)

    async def referent(
        self, email: str, departments: list[str], bassins: list[str] | None = None
    ) -> tuple[str, str]:
        """An active referent created by the admin: (id, access token)."""
        created = await self.call(
            "POST",
            "/referents",
            token=await self.admin_token(),
            json={
                "first_name": "Rémi",
                "last_name": "Référent",
                "email": email,
                "territory": {"departments": departments, "bassins": bassins or []},
            },
        )
        assert created.status == 201, created.body
        confirmed = await self.activate(email)
        assert confirmed.status == 200, confirmed.body
        return str(confirmed.body["id"]), await self.token(email)

    async def partner(self, email: str, organization_id: str) -> tuple[str, str]:
        """An active partner contact of ``organization_id``: (id, access token)."""
        created = await self.call(
            "POST",
            f"/organizations/{organization_id}/contacts",
            token=await self.admin_token(),
            json={"first_name": "Inès", "last_name": "Partenaire", "email": email},
        )
        assert created.status == 201, created.body
        confirmed = await self.activate(email)
        assert confirmed.status == 200, confirmed.body
        return str(confirmed.body["id"]), await self.token(email)

    async def organization(self, name: str = "Watt & Fils", **fields: Any) -> str:
        """A partner organization created by the admin: its id."""
        created = await self.call(
            "POST",
            "/organizations",
            token=await self.admin_token(),
            json={"name": name, "kind": "company", **fields},
        )
        assert created.status == 201, created.body
        return str(created.body["id"])

    async def verify_record(self, ambassador_id: str, token: str) -> None:
        """Upload an extract as the ambassador, then verify it as the admin."""
        uploaded = await self.call("POST", "/me/criminal-record", token=token, data=pdf_form())
        assert uploaded.status == 202, uploaded.body
        decided = await self.call(
            "POST",
            f"/ambassadors/{ambassador_id}/criminal-record/decision",
            token=await self.admin_token(),
            json={"decision": "verified", "note": "Extrait vierge"},
        )
        assert decided.status == 200, decided.body


def token_of(url: str) -> str:
    """The ``token`` query parameter of a link."""
    return parse_qs(urlparse(url).query)["token"][0]


async def join(client: Client, smtp: SmtpServer, path: str, body: dict[str, Any]) -> str:
    """Sign up, follow the link of the email: the new account's id (with the notifier
    running, the outbox forgets the links as soon as they are published)."""
    signed = await client.call("POST", path, json=body)
    assert signed.status == 201, signed.body
    [welcome] = await smtp.wait_for(1, to=body["email"])
    [link] = [link for link in LINK.findall(welcome.text()) if "/activer?token=" in link]
    confirmed = await client.call(
        "POST", "/confirmations", json={"token": token_of(link), "password": PASSWORD}
    )
    assert confirmed.status == 200, confirmed.body
    return str(confirmed.body["id"])


def ambassador(**overrides: Any) -> dict[str, Any]:
    """A valid ambassador sign-up (a salaried professional) with overrides."""
    body: dict[str, Any] = {
        "profile": "professional",
        "first_name": "Élodie",
        "last_name": "Martin",
        "email": "elodie.martin@example.org",
        "phone": "06 12 34 56 78",
        "postcode": "59000",
        "city": "Lille",
        "job": {
            "title": "Électricienne",
            "sector": "batiment-travaux-publics",
            "employer": "Watt & Fils",
            "employer_agreement": True,
        },
        "background": "CAP électricien, puis dix ans sur des chantiers de rénovation.",
        "interventions": ["class_presentation", "company_visit"],
        "zone": {"departments": [], "bassins": ["lille-centre"]},
        "charter_version": CHARTER_VERSION,
        "charter_accepted": True,
        "consents": {"image_rights": True, "surveys": False},
    }
    body.update(overrides)
    return body


def student(**overrides: Any) -> dict[str, Any]:
    """A valid student sign-up."""
    body = ambassador(profile="student", job=None)
    body["training"] = {
        "name": "BTS Électrotechnique",
        "level": "BTS",
        "establishment": "Lycée Baggio",
    }
    body.pop("job")
    body.update(overrides)
    return body


def staff(**overrides: Any) -> dict[str, Any]:
    """A valid educational-team sign-up."""
    body: dict[str, Any] = {
        "first_name": "Paul",
        "last_name": "Lefebvre",
        "email": "paul.lefebvre@ac-lille.fr",
        "establishment": {
            "uai": "0590001A",
            "name": "Lycée Faidherbe",
            "city": "Lille",
            "postcode": "59000",
        },
        "position": "Professeur principal",
    }
    body.update(overrides)
    return body


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n"
    b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n110\n%%EOF\n"
)


def pdf_form(content: bytes = MINIMAL_PDF, filename: str = "casier.pdf") -> Any:
    """A multipart body with ``content`` in the ``document`` field."""
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("document", content, filename=filename, content_type="application/pdf")
    return form


Serve = Callable[..., contextlib.AbstractAsyncContextManager[Client]]

ADMIN = {"admin_email": "admin@example.org", "admin_password": "Administrer la plateforme 2026"}


@pytest.fixture
async def steady_window() -> None:
    """Start clear of the turn of accounts' rate-limit windows (a test's requests all
    fall in one window: tests here take a few seconds)."""
    await clear_of_window_turn(margin_seconds=20)


@pytest.fixture
def serve(
    make_settings: Callable[..., Settings],
) -> Callable[..., contextlib.AbstractAsyncContextManager[Client]]:
    """``async with serve(**settings) as client``: accounts alone, or with the notifier."""

    @contextlib.asynccontextmanager
    async def start(
        *,
        notifier: bool = False,
        others: tuple[str, ...] = (),
        options: AccountsSettings | None = None,
        **overrides: Any,
    ) -> AsyncIterator[Client]:
        from embedded.catalog import SERVICES

        settings = make_settings(**{**ADMIN, **overrides})
        services: dict[str, Any] = {
            "accounts": functools.partial(create_app, options=options or fast_options())
        }
        for name in (*(("notifier",) if notifier else ()), *others):
            services[name] = SERVICES[name]
        async with running(settings, services) as platform:
            yield Client(platform)

    return start


def fast_options(**overrides: Any) -> AccountsSettings:
    """Accounts settings for tests: protections on, with small numbers."""
    values: dict[str, Any] = {
        "login_max_delay_seconds": 0.2,
        "hashing_concurrency": 2,
        # Without the other services nobody answers an export: fail fast.
        "export_timeout_seconds": 0.5,
    }
    values.update(overrides)
    return AccountsSettings(**values)


async def eventually(check: Callable[[], Any], *, timeout: float = 10.0) -> Any:  # noqa: ASYNC109
    """Wait until ``check()`` returns something truthy (awaiting it if needed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def wait_until_expired(
    client: Client, path: str, token: str, *, within: float = 10.0
) -> None:
    """Wait until the link is refused as expired, probing with a refused password.

    A too-weak password is checked after the expiry, so probing never uses the link.
    """

    async def expired() -> bool:
        answer = await client.call("POST", path, json={"token": token, "password": "azerty"})
        assert answer.status in (410, 422), answer.body
        return answer.error_code == "link_expired"

    await eventually(expired, timeout=within)
