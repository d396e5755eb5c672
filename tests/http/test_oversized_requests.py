"""Requests aiohttp refuses before routing get the JSON error shape and one quiet log line."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest_asyncio

from shared.http.server import ApiRunner
from shared.keys import KeyPair
from tests.fixtures.http import exchange, served
from tests.http import sample
from tests.http.conftest import LogLines, sample_app

# aiohttp's default limit of a request line and of a header is 8,190 bytes.
OVER_THE_LIMIT = 9_000


@pytest_asyncio.fixture
async def port(key_pair: KeyPair) -> AsyncIterator[int]:
    """The sample service, mounted in a root, served by the platform's runner."""
    async with served(ApiRunner(sample_app(key_pair, mounted=True))) as base:
        yield int(base.rsplit(":", 1)[1])


def assert_quiet_warning(log_lines: LogLines) -> None:
    refused = [line for line in log_lines.records() if "before routing" in line["message"]]
    assert [line["level"] for line in refused] == ["WARNING"]
    assert "exception" not in refused[0]
    assert not [line for line in log_lines.records() if line["level"] == "ERROR"]
    assert "x" * 100 not in log_lines.text  # nothing of the request's content


async def test_a_header_over_the_limit_gets_the_json_error_and_a_warning(
    port: int, log_lines: LogLines
) -> None:
    big = "x" * OVER_THE_LIMIT
    request = f"GET {sample.PREFIX}/items HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\n\r\n"

    status, headers, body = await exchange(port, request.encode())

    assert 400 <= status < 500
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    error = json.loads(body)["error"]
    assert error["code"] == "request_header_too_large"
    assert "trop long" in error["message"]
    assert_quiet_warning(log_lines)


async def test_a_request_line_over_the_limit_gets_the_json_error_and_a_warning(
    port: int, log_lines: LogLines
) -> None:
    path = f"{sample.PREFIX}/items?q={'x' * OVER_THE_LIMIT}"

    status, _, body = await exchange(port, f"GET {path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())

    assert 400 <= status < 500
    assert json.loads(body)["error"]["code"] == "request_header_too_large"
    assert_quiet_warning(log_lines)


async def test_a_malformed_request_gets_the_json_error(port: int, log_lines: LogLines) -> None:
    status, _, body = await exchange(port, b"GET /x HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n")

    assert status == 400
    assert json.loads(body)["error"]["code"] == "invalid_request"
