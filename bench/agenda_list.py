"""Latency of an ambassador's "Rendez-vous à venir" list through the HTTP API.

The agenda database holds ``--ambassadors`` × ``--each`` appointments (default
1,000 × 200 = 200,000), spread over two years around today, bulk-inserted before the
service starts (it then builds its indexes). One ambassador's first page of
``GET /api/agenda/appointments?when=upcoming`` (and of ``when=past``) is requested
through a real socket by ``--concurrency`` clients at once, with a signed access
token, as the front end would. Figures: p50, p95, p99 and max latency, requests/s.

The store is the embedded one (SecantusDB, a child process) unless ``MONGO_URL`` is
set; the client runs in this process, sharing the two cores with the server.

Run: ``python -m bench.agenda_list [--ambassadors 1000] [--each 200] [--requests 1000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.figures import latency_figures
from bench.servers import agenda_alone, bench_folder, insert_in_batches, service_db
from bench.stored import in_person_slot
from shared.http import AccessTokenSigner, Principal
from shared.keys import load_key_pair
from shared.settings import Settings

KINDS = ["class_presentation", "event", "company_visit", "discovery_internship"]
STATUSES = ["pending", "accepted", "refused", "cancelled", "expired", "completed"]


def appointment(ambassador: int, number: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    """One stored appointment, as agenda writes it (see ``domain.model.Appointment``)."""
    starts = (now + timedelta(days=rng.uniform(-365, 365))).replace(microsecond=0)
    duration = 45 if number % 2 else 120
    uai = f"0{59 + number % 4:02d}{number % 1000:04d}A"
    ambassador_id = f"amb-{ambassador:06d}"
    requester_id = f"staff-{number % 500:04d}"
    status = "pending" if starts > now and number % 3 == 0 else STATUSES[number % len(STATUSES)]
    return {
        "_id": uuid.uuid4().hex,
        "status": status,
        "kind": KINDS[number % 2],
        **in_person_slot(starts, duration),
        "establishment": {
            "uai": uai,
            "name": f"Collège numéro {number % 1000}",
            "city": "Lille",
            "postcode": "59000",
            "department": "59",
            "bassin": None,
        },
        "audience": {"level": "3e", "group_size": 25},
        "topic": "Les métiers du numérique",
        "expectations": "Parcours, journée type.",
        "equipment": "Vidéoprojecteur",
        "team_member_present": True,
        "message": "Bonjour, nos élèves seraient ravis de vous rencontrer.",
        "wished_sector": None,
        "ambassador": {
            "id": ambassador_id,
            "name": "Zoé M.",
            "profile": "professional",
            "job_title": "Développeuse",
            "sector": "numerique",
            "organization_id": None,
        },
        "requester": {"id": requester_id, "name": "Paul D.", "role": "staff"},
        "ambassador_id": ambassador_id,
        "requester_id": requester_id,
        "created_at": starts - timedelta(days=20),
        "updated_at": starts - timedelta(days=19),
        "answer": None,
        "alternative_slots": [],
        "taken_alternative": None,
        "taken_as": None,
        "taken_from": None,
        "cancellation": None,
        "feedback": {},
        "calendar": None,
        "reminded_at": None,
        "escalated_at": None,
        "finished_at": None,
        "due_at": None,
        "anonymised": [],
    }


async def fill(settings: Settings, ambassadors: int, each: int) -> float:
    """Bulk-insert the appointments; returns the seconds it took."""
    rng = random.Random(42)
    now = datetime.now(UTC)
    started = time.monotonic()
    async with service_db(settings, "agenda", app_name="bench-fill") as db:
        await insert_in_batches(
            db["appointments"],
            (
                appointment(ambassador, number, now, rng)
                for number in range(each)
                for ambassador in range(ambassadors)
            ),
        )
    return time.monotonic() - started


async def measure(
    http: aiohttp.ClientSession, url: str, token: str, *, requests: int, concurrency: int
) -> tuple[list[float], float, int]:
    """Latencies (ms) of ``requests`` GETs by ``concurrency`` clients; wall seconds; items."""
    latencies: list[float] = []
    items = 0
    remaining = requests
    headers = {"Authorization": f"Bearer {token}"}

    async def client() -> None:
        nonlocal remaining, items
        while remaining > 0:
            remaining -= 1
            sent = time.perf_counter()
            async with http.get(url, headers=headers) as response:
                body = await response.json()
                assert response.status == 200, body
            latencies.append((time.perf_counter() - sent) * 1000)
            items = len(body["items"])

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, time.perf_counter() - started, items


async def main() -> None:
    """Parse arguments, fill the database, serve agenda, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ambassadors", type=int, default=1_000)
    parser.add_argument("--each", type=int, default=200, help="appointments per ambassador")
    parser.add_argument("--requests", type=int, default=1_000, help="requests per measure")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    async with bench_folder("agenda-bench-") as settings:
        keys = load_key_pair(settings, create=True)
        total = args.ambassadors * args.each
        print(f"inserting {total:,} appointments…", flush=True)
        seconds = await fill(settings, args.ambassadors, args.each)
        print(f"  inserted in {seconds:.0f} s ({total / seconds:,.0f}/s)", flush=True)
        async with agenda_alone(settings) as api:
            signer = AccessTokenSigner(keys.private_pem, 3600)
            ambassador = f"amb-{args.ambassadors // 2:06d}"
            token = signer.issue(
                Principal(user_id=ambassador, role="ambassador", session_id="bench")
            )
            base = f"{api}/appointments"
            async with aiohttp.ClientSession() as http:
                # Warm up connections, caches and the token check.
                await measure(http, f"{base}?when=upcoming", token, requests=50, concurrency=4)
                print(
                    f"\nGET /appointments for one ambassador with {args.each} appointments "
                    f"among {total:,} ({args.requests} requests each):"
                )
                headers = {"Authorization": f"Bearer {token}"}
                async with http.get(f"{base}?when=upcoming", headers=headers) as first:
                    cursor = (await first.json())["next_cursor"]
                # A small data set (a quick run) may hold one page only.
                second_page = {"upcoming, page 2": f"{base}?when=upcoming&cursor={cursor}"}
                lists = {
                    "upcoming": f"{base}?when=upcoming",
                    **(second_page if cursor else {}),
                    "past": f"{base}?when=past",
                }
                for name, url in lists.items():
                    for concurrency in (1, 8):
                        latencies, wall, items = await measure(
                            http,
                            url,
                            token,
                            requests=args.requests,
                            concurrency=concurrency,
                        )
                        figures = latency_figures(latencies, "6.1f", quantiles=(0.95, 0.99))
                        print(
                            f"  {name:<16} {concurrency} client(s): {figures}  "
                            f"{len(latencies) / wall:6.0f} req/s  ({items} items/page)",
                            flush=True,
                        )


if __name__ == "__main__":
    asyncio.run(main())
