"""Server time of the « Statistiques » page for a territory with 100,000 appointments.

The whole platform runs as in the embedded default (the site at ``/``, the services under
``/api``, the in-process bus, the embedded store unless ``MONGO_URL`` is set), with its
demo accounts. Before it starts, agenda's database receives ``--appointments``
appointments (default 100,000), all in the Nord (the demo referent's territory), spread
over two years around today, and 2,000 ambassador copies (the generator of
``bench.agenda_stats``). The demo referent signs in through the form, then opens
``--requests`` times in a row: the page (current school year, the default), each of its
three charts (SVG drawn by pygal from the same API figures) and the CSV download.
Figures: p50, p95 and max of the server time (request sent → last byte received, over a
real socket; the client shares the two cores with the server), and of the agenda API's
``/stats`` alone for comparison.

Run: ``python -m bench.web_statistics [--appointments 100000] [--requests 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench.agenda_stats import ambassador, appointment
from bench.figures import percentile, sequential_gets
from bench.servers import insert_in_batches, served_site, service_db
from bench.web_pages import SERVICES, api_token, signed_in_visitor
from services.accounts.demo import DEMO_ACCOUNTS
from services.web.domain.steering import CHARTS
from shared.settings import Settings

AMBASSADORS = 2_000


def in_the_nord(row: dict[str, Any]) -> dict[str, Any]:
    """``row`` moved to an establishment of the Nord."""
    row["establishment"]["department"] = "59"
    row["establishment"]["postcode"] = "59000"
    return row


async def fill(settings: Settings, appointments: int) -> float:
    """All the appointments in the Nord; returns the seconds the insertion took."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    started = time.monotonic()
    async with service_db(settings, "agenda", app_name="bench-fill") as db:
        await db["ambassadors"].insert_many([ambassador(n, now) for n in range(AMBASSADORS)])
        rows = (appointment(number, AMBASSADORS, now, rng) for number in range(appointments))
        await insert_in_batches(db["appointments"], (in_the_nord(row) for row in rows))
    return time.monotonic() - started


def line(name: str, values: list[float], size: int) -> str:
    """One row of the figures."""
    return (
        f"  {name:<34} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f} "
        f"{max(values):8.1f} {size / 1024:8.1f}"
    )


async def run(base: str, requests: int) -> None:
    """Sign the referent in, warm up, measure, print."""
    email, password = next((e, p) for role, e, p in DEMO_ACCOUNTS if role == "referent")
    http = await signed_in_visitor(base, email, password)
    try:
        token = await api_token(http, base, email, password)
        targets: dict[str, tuple[str, dict[str, str] | None]] = {
            "page /referents/statistiques": (f"{base}/referents/statistiques", None),
            **{
                f"graphique {name}.svg": (
                    f"{base}/referents/statistiques/graphiques/{name}.svg",
                    None,
                )
                for name in CHARTS
            },
            "CSV /referents/statistiques.csv": (f"{base}/referents/statistiques.csv", None),
            "API /api/agenda/stats (seule)": (
                f"{base}/api/agenda/stats",
                {"Authorization": f"Bearer {token}"},
            ),
        }
        # The API first: the first read of a period waits for agenda's start-up warm-up
        # (seconds for 100,000 appointments), longer than the site waits for an answer.
        api_url, api_headers = targets["API /api/agenda/stats (seule)"]
        await sequential_gets(http, api_url, 1, api_headers)
        for url, headers in targets.values():  # warm-up: templates, connections, caches
            await sequential_gets(http, url, 1, headers)
        print(f"\n{requests} requests each, one after the other (milliseconds, kB):")
        print(f"  {'what':<34} {'p50':>8} {'p95':>8} {'max':>8} {'kB':>8}")
        whole: list[float] = []
        for name, (url, headers) in targets.items():
            values, size = await sequential_gets(http, url, requests, headers)
            print(line(name, values, size), flush=True)
            if not name.startswith(("API", "CSV")):
                whole.append(sum(values) / len(values))
        print(
            f"\n  a browser's full view (page + {len(CHARTS)} charts, sequential means): "
            f"{sum(whole):.0f} ms"
        )
    finally:
        await http.close()


async def main() -> None:
    """Fill agenda's database, serve the platform and its site, measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    async def filled(settings: Settings) -> None:
        seconds = await fill(settings, args.appointments)
        print(f"{args.appointments} appointments in the Nord inserted in {seconds:.1f} s")

    async with served_site(SERVICES, process="bench-web-stats", prepare=filled) as base:
        await asyncio.sleep(1)  # the demo accounts reach agenda as events
        await run(base, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
