"""What the metrics cost: requests per second with and without the HTTP metrics
middleware, and how long one ``/metrics`` page takes to write as series accumulate.

Requests: one aiohttp application with a small JSON route, served on 127.0.0.1 and
called by ``--clients`` concurrent clients for ``--requests`` requests; rounds
alternate the application without the middleware and with it, the median round of
each is reported, and the middleware's own work (a histogram's labels and
observation) timed alone, without the network. Pages: the shared registry filled with HTTP series of
``--services`` services (``--routes`` routes each, two statuses), then the page of
one service written (in the embedded default every page reads every service's
series and keeps its own; in a deployment a process holds one service's).

Run: ``python -m bench.metrics_overhead [--requests 20000] [--clients 32] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Middleware

from embedded.ports import free_port
from shared.metrics import HTTP_REQUEST_SECONDS, exposition, http_metrics_middleware


async def _answer(request: web.Request) -> web.Response:
    return web.json_response({"id": request.match_info["id"], "status": "ok"})


async def _requests_per_second(middlewares: list[Middleware], requests: int, clients: int) -> float:
    app = web.Application(middlewares=middlewares)
    app.router.add_get("/api/bench/items/{id}", _answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}/api/bench/items/"
    left = requests
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:

            async def client() -> None:
                nonlocal left
                while left > 0:
                    left -= 1
                    async with http.get(f"{url}{left}") as response:
                        await response.read()

            started = time.perf_counter()
            await asyncio.gather(*(client() for _ in range(clients)))
            return requests / (time.perf_counter() - started)
    finally:
        await runner.cleanup()


def _page_milliseconds(services: int, routes: int) -> tuple[float, int]:
    names = [f"bench{n}" for n in range(services)]
    for service in names:
        for route in range(routes):
            for status in ("200", "404"):
                HTTP_REQUEST_SECONDS.labels(service, "GET", f"/r{route}", status).observe(0.01)
    rounds = 5
    started = time.perf_counter()
    for _ in range(rounds):
        page = exposition(names[0])
    return (time.perf_counter() - started) / rounds * 1000, len(page)


def _observe_microseconds(count: int = 100_000) -> float:
    """What the middleware adds to a request, without the network's noise."""
    started = time.perf_counter()
    for _ in range(count):
        HTTP_REQUEST_SECONDS.labels("bench", "GET", "/api/bench/items/{id}", "200").observe(0.01)
    return (time.perf_counter() - started) / count * 1e6


async def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--services", type=int, default=5)
    parser.add_argument("--routes", type=int, default=40)
    options = parser.parse_args()

    without: list[float] = []
    with_metrics: list[float] = []
    for _ in range(options.rounds):
        without.append(await _requests_per_second([], options.requests, options.clients))
        with_metrics.append(
            await _requests_per_second(
                [http_metrics_middleware("bench")], options.requests, options.clients
            )
        )
    bare, measured = statistics.median(without), statistics.median(with_metrics)
    print(f"without the metrics middleware: {bare:,.0f} requests/s (median of {options.rounds})")
    print(
        f"with it: {measured:,.0f} requests/s ({(1 - measured / bare) * 100:.1f} % fewer); "
        f"rounds {', '.join(f'{r:,.0f}' for r in with_metrics)} against "
        f"{', '.join(f'{r:,.0f}' for r in without)}"
    )
    print(f"one request counted and timed: {_observe_microseconds():.1f} µs")
    for services in (1, options.services):
        milliseconds, size = _page_milliseconds(services, options.routes)
        print(
            f"/metrics of one service, {services} service(s) of {options.routes} routes "
            f"in the process: {milliseconds:.1f} ms, {size:,} bytes"
        )


if __name__ == "__main__":
    asyncio.run(main())
