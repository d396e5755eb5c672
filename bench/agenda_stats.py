"""Latency of the steering reads: statistics (JSON and CSV), work queue, partner report.

The agenda database holds ``--appointments`` appointments (default 100,000) spread over
two years around today across the five departments (half in the Nord, with bassins),
and ``--ambassadors`` ambassador copies (default 2,000), bulk-inserted before the
service starts (it then builds its indexes). Each read is requested ``--requests``
times in a row through a real socket with a signed access token, as the front end
would: the statistics of the current school year for the region (admin), the Nord
and one bassin (referents), the CSV export, the work queue, a partner's yearly
report and its PDF attestation. Figures: the first read (nothing kept yet), then p50,
p95 and max latency; and the statistics again, each read right after one appointment
of the school year was changed (its month's figures are computed again).

The store is the embedded one (SecantusDB, a child process) unless ``MONGO_URL`` is
set; the client runs in this process, sharing the two cores with the server.

Run: ``python -m bench.agenda_stats [--appointments 100000] [--ambassadors 2000]``.
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

from bench.figures import latency_figures, sequential_gets
from bench.servers import agenda_alone, bench_folder, insert_in_batches, service_db
from bench.stored import in_person_slot
from shared.http import AccessTokenSigner, Principal, Territory
from shared.keys import load_key_pair
from shared.settings import Settings

KINDS = ["class_presentation", "event", "company_visit", "discovery_internship"]
STATUSES = ["pending", "accepted", "refused", "cancelled", "expired", "completed", "completed"]
SECTORS = ["numerique", "sante", "industrie", "energie", "commerce-vente", None]
DEPARTMENTS = ["59", "59", "59", "62", "60", "80", "02"]
BASSINS = ["lille-est", "douaisis", "valenciennois", "roubaix-tourcoing", None]
LEVELS = ["4e", "3e", "2nde", "1re", "BTS"]
ORGANIZATION = "org-0001"


def bearer(token: str) -> dict[str, str]:
    """The headers of a request with ``token``."""
    return {"Authorization": f"Bearer {token}"}


def appointment(number: int, ambassadors: int, now: datetime, rng: random.Random) -> dict[str, Any]:
    """One stored appointment, as agenda writes it (see ``domain.model.Appointment``)."""
    starts = (now + timedelta(days=rng.uniform(-365, 365))).replace(microsecond=0)
    created = starts - timedelta(days=rng.uniform(1, 30))
    duration = rng.choice([45, 60, 120, 240])
    department = rng.choice(DEPARTMENTS)
    status = rng.choice(STATUSES)
    if status in ("completed", "accepted", "expired") and starts > now:
        status = "pending" if status == "expired" else "accepted"
    answered = status in ("accepted", "refused", "completed") or (
        status == "cancelled" and number % 2
    )
    ambassador = number % ambassadors
    ambassador_id = f"amb-{ambassador:06d}"
    return {
        "_id": uuid.uuid4().hex,
        "status": status,
        "kind": rng.choice(KINDS),
        **in_person_slot(starts, duration),
        "establishment": {
            "uai": f"0{department}{number % 700:04d}A",
            "name": f"Collège numéro {number % 700}",
            "city": "Lille",
            "postcode": f"{department}000",
            "department": department,
            "bassin": rng.choice(BASSINS) if department == "59" else None,
        },
        "audience": {"level": rng.choice(LEVELS), "group_size": rng.randint(10, 35)},
        "topic": "Les métiers",
        "team_member_present": True,
        "wished_sector": rng.choice(SECTORS),
        "ambassador": {
            "id": ambassador_id,
            "name": "Zoé M.",
            "profile": "professional",
            "sector": SECTORS[ambassador % len(SECTORS)],
            "organization_id": ORGANIZATION if ambassador % 50 == 0 else None,
        },
        "requester": {"id": f"staff-{number % 500:04d}", "name": "Paul D.", "role": "staff"},
        "ambassador_id": ambassador_id,
        "requester_id": f"staff-{number % 500:04d}",
        "created_at": created,
        "updated_at": created,
        "answer": {"message": None, "at": created + timedelta(hours=rng.uniform(1, 96))}
        if answered
        else None,
        "cancellation": {"by": "requester", "late": bool(number % 3 == 0), "at": created}
        if status == "cancelled"
        else None,
        "reminded_at": created + timedelta(days=2) if status == "pending" else None,
        "escalated_at": created + timedelta(days=5) if status == "pending" and number % 4 else None,
        "due_at": None,
        "call_id": None,
    }


def ambassador(number: int, now: datetime) -> dict[str, Any]:
    """One ambassador's copy (a tenth never solicited yet)."""
    department = DEPARTMENTS[number % len(DEPARTMENTS)]
    return {
        "_id": f"amb-{number:06d}",
        "revision": 1,
        "first_name": "Zoé",
        "last_initial": "M.",
        "profile": "professional",
        "sector": SECTORS[number % len(SECTORS)],
        "organization_id": ORGANIZATION if number % 50 == 0 else None,
        "interventions": KINDS,
        "zone_departments": [department],
        "zone_bassins": [],
        "solicitable": number % 7 != 0,
        "deleted": False,
        "solicitable_since": now - timedelta(days=number % 400),
        "first_solicited_at": None if number % 10 == 0 else now - timedelta(days=number % 300),
    }


async def fill(settings: Settings, appointments: int, ambassadors: int) -> float:
    """Bulk-insert the data set; returns the seconds it took."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.monotonic()
    async with service_db(settings, "agenda", app_name="bench-fill") as db:
        await db["ambassadors"].insert_many([ambassador(n, now) for n in range(ambassadors)])
        await db["organizations"].insert_one(
            {
                "_id": ORGANIZATION,
                "as_of": now,
                "name": "ACME Énergies",
                "sponsorship": {
                    "signed_at": now,
                    "agreed_interventions": 100,
                    "annual_revenue_eur": 3_000_000,
                    "hourly_loaded_cost_eur": 62.5,
                },
            }
        )
        await insert_in_batches(
            db["appointments"],
            (appointment(number, ambassadors, now, rng) for number in range(appointments)),
        )
    return time.monotonic() - started


async def after_changes(
    settings: Settings, http: aiohttp.ClientSession, url: str, token: str, requests: int
) -> list[float]:
    """Latencies (ms) of reads each made right after one appointment of the last month
    was written, as an answer or a cancellation would write it."""
    latencies: list[float] = []
    async with service_db(settings, "agenda", app_name="bench-change") as db:
        appointments = db["appointments"]
        for _ in range(requests):
            now = datetime.now(UTC)
            one = await appointments.find_one(
                {"starts_at": {"$gte": now - timedelta(days=30), "$lt": now}}, {"_id": 1}
            )
            assert one is not None
            await appointments.update_one({"_id": one["_id"]}, {"$set": {"updated_at": now}})
            latencies += (await sequential_gets(http, url, 1, bearer(token)))[0]
    return latencies


async def main() -> None:
    """Parse arguments, fill the database, serve agenda, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--appointments", type=int, default=100_000)
    parser.add_argument("--ambassadors", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=10, help="requests per read")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    async with bench_folder("agenda-bench-") as settings:
        keys = load_key_pair(settings, create=True)
        print(
            f"inserting {args.appointments:,} appointments and {args.ambassadors:,} ambassadors…",
            flush=True,
        )
        seconds = await fill(settings, args.appointments, args.ambassadors)
        print(f"  inserted in {seconds:.0f} s", flush=True)
        async with agenda_alone(settings) as api:
            signer = AccessTokenSigner(keys.private_pem, 3600)

            def issued(**principal: Any) -> str:
                return signer.issue(Principal(session_id="b", **principal))

            admin = issued(user_id="admin", role="admin")
            nord = issued(
                user_id="ref-59", role="referent", territory=Territory(departments=("59",))
            )
            bassin = issued(
                user_id="ref-le", role="referent", territory=Territory(bassins=("lille-est",))
            )
            partner = issued(user_id="p", role="partner", organization_id=ORGANIZATION)
            base = f"{api}"
            year = datetime.now(UTC).year
            reads = [
                ("stats, region (admin)", "/stats", admin),
                ("stats, Nord (referent)", "/stats", nord),
                ("stats, one bassin (referent)", "/stats", bassin),
                ("stats.csv, region (admin)", "/stats.csv", admin),
                ("work queue, Nord (referent)", "/work-queue", nord),
                ("work queue, region (admin)", "/work-queue", admin),
                (
                    "partner report",
                    f"/organizations/{ORGANIZATION}/report?year={year}",
                    partner,
                ),
                (
                    "partner attestation PDF",
                    f"/organizations/{ORGANIZATION}/attestation.pdf?year={year}",
                    partner,
                ),
            ]
            async with aiohttp.ClientSession() as http:
                print(
                    f"\nsteering reads over {args.appointments:,} appointments "
                    f"({args.requests} requests each, one client):"
                )
                for name, path, token in reads:
                    first, _ = await sequential_gets(http, f"{base}{path}", 1, bearer(token))
                    latencies, size = await sequential_gets(
                        http, f"{base}{path}", args.requests, bearer(token)
                    )
                    print(
                        f"  {name:<30} first {first[0]:7.0f} ms  "
                        f"{latency_figures(latencies, '7.0f')}  ({size:,} bytes)",
                        flush=True,
                    )
                print("\nstatistics right after one appointment changed:")
                for name, path, token in reads[:3]:
                    latencies = await after_changes(
                        settings, http, f"{base}{path}", token, args.requests
                    )
                    print(f"  {name:<30} {latency_figures(latencies, '7.0f')}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
