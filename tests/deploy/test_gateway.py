"""The gateway's nginx configuration, run by a real nginx in front of stand-in services.

The copy differs from ``deploy/gateway/nginx.conf`` only in addresses: it listens on
free local ports, and the upstreams' Docker names are replaced by the local ports of
small echo servers (and of a mail catcher for the relay's SMTP).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiohttp
import aiosmtplib
import pytest
import pytest_asyncio
from aiohttp import web

from embedded.mailcatcher import MailCatcher
from embedded.ports import free_port
from tests.deploy.nginx import local_nginx
from tests.fixtures.rabbit import wait_until

REPO = Path(__file__).parents[2]
GATEWAY_CONF = REPO / "deploy" / "gateway" / "nginx.conf"
SERVICES = ("accounts", "agenda", "messaging", "notifier")
SITE = "web"
NGINX = local_nginx()

pytestmark = pytest.mark.skipif(
    NGINX is None,
    reason="nginx with its stream module is not installed "
    "(Debian: apt-get install nginx-light libnginx-mod-stream)",
)


@dataclass
class StandIn:
    """An echo server playing one service: it answers with what it received."""

    name: str
    port: int
    runner: web.AppRunner | None = None
    received: list[dict[str, Any]] = field(default_factory=list)

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._echo)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    async def _echo(self, request: web.Request) -> web.Response:
        seen = {
            "service": self.name,
            "method": request.method,
            "path": request.raw_path,
            # Header names are case-insensitive: compare them in lower case.
            "headers": {name.lower(): value for name, value in request.headers.items()},
            "body_length": len(await request.read()),
        }
        self.received.append(seen)
        if request.path.endswith("/health-down"):
            # A service's own error must reach the caller as the service wrote it.
            return web.json_response({"status": "degraded", "database": "down"}, status=503)
        return web.json_response(seen)


@dataclass
class Gateway:
    """nginx running the gateway's configuration, and the stand-ins behind it."""

    base_url: str
    smtp_port: int
    services: dict[str, StandIn]
    relay: MailCatcher
    http: aiohttp.ClientSession

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"


def local_copy(conf: str, replacements: dict[str, str], temp: Path) -> str:
    """The configuration with its addresses replaced, runnable by this machine's nginx."""
    for old, new in replacements.items():
        assert conf.count(old) == 1, f"expected {old!r} once in the gateway config"
        conf = conf.replace(old, new)
    assert NGINX is not None
    preamble = NGINX.preamble
    if os.geteuid() == 0:
        # Workers would otherwise switch to an account that cannot read the test's folder.
        preamble += "user root;\n"
    temp_paths = "".join(
        f"    {kind}_temp_path {temp / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return preamble + conf.replace("http {\n", "http {\n" + temp_paths, 1)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest_asyncio.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    assert NGINX is not None
    services = {name: StandIn(name, free_port()) for name in (*SERVICES, SITE)}
    for stand_in in services.values():
        await stand_in.start()
    http_port, smtp_port = free_port(), free_port()
    async with MailCatcher(tmp_path / "relay") as relay:
        replacements = {
            "listen 8080;": f"listen 127.0.0.1:{http_port};",
            "listen 2525;": f"listen 127.0.0.1:{smtp_port};",
            "messaging:2525": f"127.0.0.1:{relay.port}",
        }
        for name, stand_in in services.items():
            replacements[f"{name}:8080"] = f"127.0.0.1:{stand_in.port}"
        conf = tmp_path / "nginx.conf"
        conf.write_text(local_copy(GATEWAY_CONF.read_text(), replacements, tmp_path))
        with (tmp_path / "nginx.out").open("wb") as out, (tmp_path / "nginx.err").open("wb") as err:
            nginx = await asyncio.create_subprocess_exec(
                NGINX.binary,
                "-p",
                str(tmp_path),
                "-c",
                str(conf),
                "-e",
                "stderr",
                "-g",
                f"daemon off; pid {tmp_path / 'nginx.pid'};",
                stdout=out,
                stderr=err,
            )
        try:
            await wait_until(
                lambda: nginx.returncode is not None or port_open(http_port),
                within=10,
                what="nginx to listen",
            )
            assert nginx.returncode is None, (tmp_path / "nginx.err").read_text()
            async with aiohttp.ClientSession() as http:
                yield Gateway(f"http://127.0.0.1:{http_port}", smtp_port, services, relay, http)
        finally:
            if nginx.returncode is None:
                nginx.terminate()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(10):
                    await nginx.wait()
            if nginx.returncode is None:
                nginx.kill()
                await nginx.wait()
            for stand_in in services.values():
                await stand_in.stop()


async def test_each_service_prefix_reaches_that_service_with_the_path_kept(
    gateway: Gateway,
) -> None:
    for name in SERVICES:
        async with gateway.http.get(gateway.url(f"/api/{name}/things/42?when=past")) as response:
            assert response.status == 200
            seen = await response.json()

        assert seen["service"] == name
        assert seen["path"] == f"/api/{name}/things/42?when=past"


async def test_request_id_is_made_or_kept_and_given_back(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url("/api/agenda/appointments")) as response:
        made = response.headers["X-Request-Id"]
        seen_made = (await response.json())["headers"]["x-request-id"]
    async with gateway.http.get(
        gateway.url("/api/agenda/appointments"), headers={"X-Request-Id": "front-7f3a.12"}
    ) as response:
        kept = response.headers["X-Request-Id"]
        seen_kept = (await response.json())["headers"]["x-request-id"]
    async with gateway.http.get(
        gateway.url("/api/agenda/appointments"), headers={"X-Request-Id": "a b <script>"}
    ) as response:
        replaced = response.headers["X-Request-Id"]

    assert len(made) == 32
    assert seen_made == made
    assert kept == seen_kept == "front-7f3a.12"
    assert replaced != "a b <script>"
    assert len(replaced) == 32


async def test_service_learns_who_called(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url("/api/accounts/me")) as response:
        headers = (await response.json())["headers"]

    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-real-ip"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["host"] == gateway.base_url.removeprefix("http://")


async def test_5mb_pdf_goes_through_and_a_larger_body_gets_a_json_413(gateway: Gateway) -> None:
    five_mb = b"%PDF-1.7\n" + b"0" * (5 * 1024 * 1024 - 9)
    async with gateway.http.post(
        gateway.url("/api/accounts/me/criminal-record"),
        data=five_mb,
        headers={"Content-Type": "application/pdf"},
    ) as response:
        assert response.status == 200
        assert (await response.json())["body_length"] == len(five_mb)
    received_before = len(gateway.services["accounts"].received)

    async with gateway.http.post(
        gateway.url("/api/accounts/me/criminal-record"),
        data=b"0" * (7 * 1024 * 1024),
        headers={"Content-Type": "application/pdf"},
    ) as response:
        status, body = response.status, await response.json()

    assert status == 413
    assert body["error"]["code"] == "payload_too_large"
    assert len(gateway.services["accounts"].received) == received_before


async def test_unknown_api_path_answers_404_in_the_api_error_shape(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url("/api/wp-admin/login")) as response:
        status, body = response.status, await response.json()

    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert all(not stand_in.received for stand_in in gateway.services.values())


async def test_service_metrics_are_not_served_to_the_internet(gateway: Gateway) -> None:
    for name in SERVICES:
        async with gateway.http.get(gateway.url(f"/api/{name}/metrics")) as response:
            assert response.status == 404
            assert (await response.json())["error"]["code"] == "not_found"
        assert gateway.services[name].received == [], name
    # The site's own /metrics reaches it marked as proxied: the site refuses it.
    async with gateway.http.get(gateway.url("/metrics")) as response:
        seen = await response.json()
    assert seen["service"] == SITE
    assert "x-forwarded-for" in seen["headers"]


async def test_every_other_path_is_the_site_with_path_and_caller_kept(gateway: Gateway) -> None:
    for path in ("/", "/connexion?suite=/agenda", "/activer?token=abc", "/wp-login.php"):
        async with gateway.http.get(gateway.url(path)) as response:
            assert response.status == 200
            seen = await response.json()
        assert seen["service"] == SITE
        assert seen["path"] == path
        assert seen["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert all(not gateway.services[name].received for name in SERVICES)


async def test_stopped_site_answers_a_page_in_french_not_json(gateway: Gateway) -> None:
    await gateway.services[SITE].stop()

    async with gateway.http.get(gateway.url("/mon-profil")) as response:
        status, kind, page = response.status, response.content_type, await response.text()

    assert status == 503
    assert kind == "text/html"
    assert '<html lang="fr">' in page
    assert "<h1>Le site est momentanément indisponible</h1>" in page
    assert response.headers["Retry-After"] == "30"


async def test_too_large_upload_to_the_site_answers_a_page_in_french(gateway: Gateway) -> None:
    async with gateway.http.post(
        gateway.url("/mon-profil/casier"),
        data=b"0" * (7 * 1024 * 1024),
        headers={"Content-Type": "application/pdf"},
    ) as response:
        status, kind, page = response.status, response.content_type, await response.text()

    assert status == 413
    assert kind == "text/html"
    assert "trop volumineux" in page
    assert not gateway.services[SITE].received


async def test_stopped_service_answers_503_in_the_api_error_shape(gateway: Gateway) -> None:
    await gateway.services["notifier"].stop()

    async with gateway.http.get(gateway.url("/api/notifier/deliveries")) as response:
        status, body = response.status, await response.json()

    assert status == 503
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["message"].startswith("Le service est momentanément indisponible")


async def test_error_written_by_a_service_reaches_the_caller_unchanged(gateway: Gateway) -> None:
    async with gateway.http.get(gateway.url("/api/messaging/health-down")) as response:
        status, body = response.status, await response.json()

    assert status == 503
    assert body == {"status": "degraded", "database": "down"}


async def test_reply_by_email_reaches_messaging_through_the_gateway(gateway: Gateway) -> None:
    reply = EmailMessage()
    reply["From"] = "camille.martin@exemple.fr"
    reply["To"] = "r-7hq2x9@relay.localhost"
    reply["Subject"] = "Re: Nouvelle sollicitation"
    reply.set_content("Avec plaisir, je serai là mardi.")

    await aiosmtplib.send(reply, hostname="127.0.0.1", port=gateway.smtp_port)

    caught = await gateway.relay.wait_for_message(to="r-7hq2x9@relay.localhost", timeout=5)
    assert caught.subject == "Re: Nouvelle sollicitation"


async def test_the_gateways_own_answers_carry_no_store_and_nosniff(gateway: Gateway) -> None:
    await gateway.services["notifier"].stop()
    answers = []
    for method, path, body in (
        ("GET", "/api/wp-admin/login", None),
        ("GET", "/api/notifier/deliveries", None),
        ("POST", "/api/accounts/me/criminal-record", b"0" * (7 * 1024 * 1024)),
        ("GET", "/gateway/health", None),
    ):
        async with gateway.http.request(method, gateway.url(path), data=body) as response:
            answers.append((response.status, response.headers.copy()))

    assert [status for status, _ in answers] == [404, 503, 413, 200]
    for _, headers in answers:
        assert headers["Cache-Control"] == "no-store"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Request-Id"]
