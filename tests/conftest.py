"""Fixtures shared by every test: real servers started once, clean state per test."""

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
