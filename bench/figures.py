"""Figures the benchmarks print: percentiles, and latencies of GETs in a row."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import aiohttp


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def latency_figures(values: list[float], spec: str, *, quantiles: Sequence[float] = (0.95,)) -> str:
    """« p50 … ms  p95 … ms  max … ms » of latencies in milliseconds, each number written
    with the format ``spec`` (``"7.0f"``), with a percentile for each of ``quantiles``."""
    figures = [
        ("p50", statistics.median(values)),
        *((f"p{round(quantile * 100)}", percentile(values, quantile)) for quantile in quantiles),
        ("max", max(values)),
    ]
    return "  ".join(f"{name} {value:{spec}} ms" for name, value in figures)


async def sequential_gets(
    http: aiohttp.ClientSession, url: str, requests: int, headers: dict[str, str] | None = None
) -> tuple[list[float], int]:
    """Milliseconds of ``requests`` GETs one after the other (each must answer 200, not
    a redirect); bytes of the last answer."""
    latencies: list[float] = []
    size = 0
    for _ in range(requests):
        sent = time.perf_counter()
        async with http.get(url, headers=headers, allow_redirects=False) as answer:
            body = await answer.read()
            assert answer.status == 200, f"{url}: {answer.status} {body[:200]!r}"
        latencies.append((time.perf_counter() - sent) * 1000)
        size = len(body)
    return latencies, size
