"""Every API answer, success or error, tells caches not to keep it and browsers not to sniff."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from shared.http import root_web_app
from tests.http.conftest import Served

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _carries_the_api_headers(headers: Mapping[str, str]) -> bool:
    return all(headers.get(name) == value for name, value in NO_STORE.items())


async def test_a_success_a_refusal_and_a_crash_carry_no_store_and_nosniff(served: Served) -> None:
    answers = [
        await served.client.get(served.url("/items")),
        await served.client.get(served.url("/me")),  # 401
        await served.client.get(served.url("/items/404")),  # the service's own 404
        await served.client.put(served.url("/items")),  # 405
        await served.client.get(served.url("/crash")),  # 500
        await served.client.get(served.url("/openapi.json")),
    ]

    assert [answer.status for answer in answers] == [200, 401, 404, 405, 500, 200]
    assert all(_carries_the_api_headers(answer.headers) for answer in answers)


async def test_the_roots_own_answers_carry_them_too(served: Served) -> None:
    outside = await served.client.get("/api/elsewhere/x")

    assert outside.status == 404
    assert _carries_the_api_headers(outside.headers)


async def test_what_else_the_root_mounts_chooses_its_own_headers() -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<p>page</p>", content_type="text/html")

    site = web.Application()
    site.router.add_get("/", page)
    root = root_web_app([], max_body_bytes=1024)
    root.add_subapp("/dev", site)
    async with TestClient(TestServer(root, host="127.0.0.1")) as client:
        answer = await client.get("/dev/")

    assert answer.status == 200
    assert "Cache-Control" not in answer.headers
