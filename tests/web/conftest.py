"""Fixtures of the browser tests: one Chromium for the session, a fresh context per test.

The tests skip when Debian's Chromium is not installed, unless ``REQUIRE_BROWSER=1``
(set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from shared.settings import Settings
from tests.web.api_people import Api
from tests.web.browser import Looker
from tests.web.site import RunningSite, site_running

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The flags a headless Chromium needs on a machine without network or sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Date and time fields as people here see them (jj/mm/aaaa, 24 h), not as in the US.
    "--lang=fr-FR",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _chromium_or_skip() -> str:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return CHROMIUM
    reason = f"no Chromium at {CHROMIUM} (Debian package « chromium »)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest_asyncio.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session."""
    executable = _chromium_or_skip()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture
async def site(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> AsyncIterator[RunningSite]:
    """The platform and its site, with a mail catcher, for this test."""
    async with site_running(make_settings, tmp_path) as running:
        yield running


async def new_context(
    browser: Browser, site: RunningSite, *, javascript: bool = True
) -> BrowserContext:
    """A browser context of its own (one per person of a journey)."""
    context = await browser.new_context(
        base_url=site.base_url,
        viewport={"width": 1280, "height": 900},
        java_script_enabled=javascript,
        locale="fr-FR",
        timezone_id="Europe/Paris",
    )
    context.set_default_timeout(15_000)
    return context


@pytest_asyncio.fixture
async def page(browser: Browser, site: RunningSite) -> AsyncIterator[Page]:
    """A page in a fresh context, JavaScript on."""
    context = await new_context(browser, site)
    yield await context.new_page()
    await context.close()


@pytest.fixture
def looker(request: pytest.FixtureRequest) -> Iterator[Looker]:
    """Screenshots and axe-core checks named after the test."""
    found = Looker(request.node.name)
    yield found
    found.write_report()


@pytest_asyncio.fixture
async def api(site: RunningSite) -> AsyncIterator[Api]:
    """The public API, for the people of a test to make real data first."""
    async with aiohttp.ClientSession() as http:
        yield Api(site, http)
