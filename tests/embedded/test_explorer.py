"""The API explorer page served by the embedded platform."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio
from aiohttp import web

from embedded.explorer import add_api_explorer
from tests.fixtures.http import served

SERVICES = ["accounts", "agenda", "messaging", "notifier"]


@pytest_asyncio.fixture
async def explorer() -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    app = web.Application()
    add_api_explorer(app, services=SERVICES)
    async with served(web.AppRunner(app)) as base, aiohttp.ClientSession() as http:
        yield http, base


async def test_explorer_is_a_developers_page(
    explorer: tuple[aiohttp.ClientSession, str],
) -> None:
    http, base = explorer
    async with http.get(base + "/dev/api") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()

    assert '<html lang="fr">' in page
    assert "Explorateur d'API" in page
    assert 'href="/dev/mail/"' in page
    config = re.search(r'<script type="application/json" id="explorer-config">(.*?)</script>', page)
    assert config is not None
    assert json.loads(config.group(1)) == {"services": SERVICES}


async def test_explorer_script_and_style_are_served_by_the_platform(
    explorer: tuple[aiohttp.ClientSession, str],
) -> None:
    http, base = explorer
    async with http.get(base + "/dev/api") as response:
        page = await response.text()
    sources = re.findall(r'(?:src|href)="(/dev/api/assets/[^"]+)"', page)

    served = {}
    for source in sources:
        async with http.get(base + source) as response:
            assert response.status == 200, source
            served[source.rsplit("/", 1)[1]] = (response.content_type, await response.text())

    assert set(served) == {"explorer.js", "explorer.css"}
    assert served["explorer.js"][0] == "text/javascript"
    # It reads every service's own description.
    assert '"/api/" + service + "/openapi.json"' in served["explorer.js"][1]
    # And links and lists the events each one publishes and consumes.
    assert '"/api/" + service + "/asyncapi.json"' in served["explorer.js"][1]
    # Nothing is loaded from elsewhere: the machine may be offline.
    assert "http://" not in page
    assert "https://" not in page
