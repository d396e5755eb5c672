"""Fixtures shared by every test: real servers started once, clean state per test."""

import os

import pytest

from embedded.ports import search_in

pytest_plugins = [
    "tests.fixtures.rabbit",
    "tests.fixtures.cluster",
    "tests.fixtures.mongo",
    "tests.fixtures.smtp",
    "tests.fixtures.platform",
    "tests.fixtures.hangs",
    "tests.fixtures.leaks",
    "tests.fixtures.tracing",
]


def pytest_configure(config: pytest.Config) -> None:
    """Each test worker finds its free ports in a range of its own (``embedded.ports``)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw") or 0) % 4
    low = 10_000 + index * 5_000
    search_in(low, low + 4_999)
