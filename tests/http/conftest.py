"""The sample service served over a real socket, alone at the root and mounted under a prefix."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from shared.http import AccessTokenSigner, AccessTokenVerifier, Principal, Territory
from shared.http.app import root_web_app, service_web_app
from shared.keys import KeyPair, generate_key_pair
from shared.logging import AccessLogger, configure_logging
from shared.settings import Settings
from tests.http import sample

TOKEN_TTL = timedelta(minutes=15)


@dataclass
class Served:
    """A running sample service: the client, and the path prefix of its routes."""

    client: TestClient[web.Request, web.Application]
    base: str

    def url(self, path: str) -> str:
        """The path to request for one of the service's routes."""
        return f"{self.base}{path}"


@dataclass
class Tokens:
    """Access tokens for the tests, signed with the served key pair."""

    signer: AccessTokenSigner

    def for_role(self, role: str, **scope: Any) -> str:
        """A valid token for a user with ``role``."""
        scopes: dict[str, dict[str, Any]] = {
            "staff": {"establishment_uai": "0590001A"},
            "referent": {"territory": Territory(departments=["59"], bassins=["Douaisis"])},
            "partner": {"organization_id": "org-1"},
        }
        defaults = scopes.get(role, {})
        principal = Principal(
            user_id=f"user-{role}", role=role, session_id="s-1", **{**defaults, **scope}
        )
        return self.signer.issue(principal)

    def expired(self, role: str = "admin") -> str:
        """A token whose lifetime ended well past the verifier's leeway."""
        principal = Principal(user_id="user-old", role=role, session_id="s-0")
        return self.signer.issue(principal, now=datetime.now(UTC) - 2 * TOKEN_TTL)


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    """The access-token pair of this test session."""
    return generate_key_pair()


@pytest.fixture(scope="session")
def tokens(key_pair: KeyPair) -> Tokens:
    """Signs tokens the sample service accepts."""
    return Tokens(AccessTokenSigner(key_pair.private_pem, TOKEN_TTL))


def sample_app(key_pair: KeyPair, *, mounted: bool) -> web.Application:
    """The sample service alone (routes at ``/``) or under ``/api/sample`` in a root app."""
    verifier = AccessTokenVerifier(key_pair.public_pem)
    if not mounted:
        return service_web_app(
            prefix="",
            router=sample.router,
            verifier=verifier,
            max_body_bytes=sample.MAX_BODY_BYTES,
        )
    service = service_web_app(
        prefix=sample.PREFIX,
        router=sample.router,
        verifier=verifier,
        max_body_bytes=sample.MAX_BODY_BYTES,
    )
    # The root allows far bigger bodies: the service's own limit must still hold.
    return root_web_app([service], max_body_bytes=100 * sample.MAX_BODY_BYTES)


@pytest_asyncio.fixture(params=["root", "mounted"])
async def served(request: pytest.FixtureRequest, key_pair: KeyPair) -> AsyncIterator[Served]:
    """The sample service on a real socket, in both placements."""
    mounted = request.param == "mounted"
    server = TestServer(sample_app(key_pair, mounted=mounted), host="127.0.0.1")
    await server.start_server(access_log_class=AccessLogger)
    client = TestClient(server)
    await client.start_server()
    try:
        yield Served(client, sample.PREFIX if mounted else "")
    finally:
        await client.close()


class LogLines:
    """What ``configure_logging`` wrote, one parsed JSON object per line."""

    def __init__(self, stream: io.StringIO) -> None:
        self._stream = stream

    @property
    def text(self) -> str:
        """Everything written so far."""
        return self._stream.getvalue()

    def records(self) -> list[dict[str, Any]]:
        """Every line, parsed."""
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """The platform's log configuration, writing JSON lines to a buffer for the test."""
    stream = io.StringIO()
    root = logging.getLogger()
    previous_level, previous_handlers = root.level, list(root.handlers)
    configure_logging(Settings(log_json=True, log_level="INFO"), stream=stream)
    try:
        yield LogLines(stream)
    finally:
        root.handlers[:] = previous_handlers
        root.setLevel(previous_level)
