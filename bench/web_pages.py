"""Server time and weight of the site's most visited pages, with signed-in visitors.

The whole platform runs as in the embedded default (the site at ``/``, the four services
under ``/api``, the in-process bus, the embedded store unless ``MONGO_URL`` is set), with
its demo accounts. The demo staff member solicits a demo ambassador 30 times, so that
the agenda and the messaging have something to show. Then ``--sessions`` browsing
sessions (each with its own cookie, signed in through the sign-in form; half of them
the ambassador, half the educational staff member) open the five most visited pages in turn, as
fast as they can: the agenda, one request, the profile, the messaging and, for staff,
« Trouver un ambassadeur » (the home page for ambassadors). Figures: p50, p95 and max
of the server time of each page (request sent → last byte received, over a real
socket; the client shares the two cores with the server), and the weight of each page:
HTML plus the CSS, JavaScript and icon it loads.

Run: ``python -m bench.web_pages [--sessions 20] [--rounds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bench.figures import percentile
from bench.servers import served_site
from services.accounts.app import create_app as accounts_app
from services.accounts.demo import DEMO_ACCOUNTS
from services.agenda.app import create_app as agenda_app
from services.messaging.app import create_app as messaging_app
from services.notifier.app import create_app as notifier_app
from shared.french import PARIS
from shared.runtime import Platform

SERVICES: dict[str, Callable[[Platform], web.Application]] = {
    "accounts": accounts_app,
    "agenda": agenda_app,
    "messaging": messaging_app,
    "notifier": notifier_app,
}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


async def api_token(http: aiohttp.ClientSession, base: str, email: str, password: str) -> str:
    """An access token of the public API."""
    async with http.post(
        f"{base}/api/accounts/sessions", json={"email": email, "password": password}
    ) as answer:
        assert answer.status == 200, await answer.text()
        return str((await answer.json())["access_token"])


def at_ten(in_days: int) -> str:
    """10:00 in Paris, ``in_days`` days from now, in ISO 8601."""
    day = datetime.now(PARIS) + timedelta(days=in_days)
    return day.replace(hour=10, minute=0, second=0, microsecond=0).isoformat()


def solicitation(ambassador_id: str, *, in_days: int) -> dict[str, Any]:
    """A class presentation asked of ``ambassador_id`` at 10:00 in ``in_days`` days."""
    return {
        "ambassador_id": ambassador_id,
        "kind": "class_presentation",
        "format": "in_person",
        "starts_at": at_ten(in_days),
        "duration_minutes": 45,
        "audience": {"level": "3e", "group_size": 28},
        "topic": "Découvrir votre métier",
        "team_member_present": True,
        "message": "Bonjour, nos élèves de 3e seraient ravis de vous rencontrer.",
    }


async def solicit(base: str, ambassador_id: str, count: int) -> list[str]:
    """``count`` requests of the demo staff member to one ambassador, a day apart; ids."""
    staff = next((email, password) for role, email, password in DEMO_ACCOUNTS if role == "staff")
    ids: list[str] = []
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {await api_token(http, base, *staff)}"}
        for number in range(count):
            body = solicitation(ambassador_id, in_days=10 + number)
            async with http.post(
                f"{base}/api/agenda/solicitations", json=body, headers=headers
            ) as answer:
                assert answer.status == 201, await answer.text()
                ids.append(str((await answer.json())["id"]))
    return ids


async def signed_in_visitor(base: str, email: str, password: str) -> aiohttp.ClientSession:
    """A browsing session signed in through the form, with its own cookie jar."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with http.get(f"{base}/connexion") as page:
        match = _CSRF.search(await page.text())
        assert match is not None
    form = {"csrf": match.group(1), "email": email, "password": password}
    async with http.post(f"{base}/connexion", data=form, allow_redirects=False) as answer:
        assert answer.status == 303, await answer.text()
    return http


async def browse(
    http: aiohttp.ClientSession, base: str, pages: dict[str, str], rounds: int
) -> dict[str, list[float]]:
    """Open each page ``rounds`` times; milliseconds per page."""
    timings: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for name, path in pages.items():
            sent = time.perf_counter()
            # No redirect followed: a page that sent the visitor to sign in is a failure.
            async with http.get(f"{base}{path}", allow_redirects=False) as page:
                await page.read()
                assert page.status == 200, f"{path}: {page.status}"
            timings[name].append((time.perf_counter() - sent) * 1000)
    return timings


async def weight(base: str, http: aiohttp.ClientSession, path: str) -> tuple[int, int]:
    """Bytes of the page's HTML, and of the static files it loads."""
    async with http.get(f"{base}{path}") as page:
        html = await page.read()
    assets = 0
    for asset in sorted(set(_ASSETS.findall(html.decode()))):
        async with http.get(f"{base}{asset}") as answer:
            assets += len(await answer.read())
    return len(html), assets


async def main() -> None:
    """Serve the platform, make the data, browse, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="visits of each page per session")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    async with served_site(SERVICES, process="bench-web") as base:
        await run(base, args.sessions, args.rounds)


async def run(base: str, sessions: int, rounds: int) -> None:
    """The measures themselves, against a served platform."""
    # Every ambassador session is the one the requests were made to (on their devices).
    ambassador = next(
        (email, password)
        for role, email, password in DEMO_ACCOUNTS
        if email.startswith("electricienne@")
    )
    staff = next((email, password) for role, email, password in DEMO_ACCOUNTS if role == "staff")
    started = time.perf_counter()
    # The demo ambassador whose zone covers the demo staff member's school.
    requests = await solicit(base, "demo-ambassador-electricienne", count=30)
    print(f"{len(requests)} requests made in {time.perf_counter() - started:.1f} s", flush=True)
    await asyncio.sleep(1)  # the conversations opened with them arrive by event

    visitors: list[tuple[aiohttp.ClientSession, dict[str, str]]] = []
    for number in range(sessions):
        if number % 2:
            email, password = staff
            last = ("Trouver un ambassadeur", "/ambassadeurs?departement=59")
        else:
            email, password = ambassador
            last = ("Accueil", "/")
        http = await signed_in_visitor(base, email, password)
        pages = {
            "Agenda": "/agenda",
            "Un rendez-vous": f"/agenda/rendez-vous/{requests[number % len(requests)]}",
            "Mon profil": "/mon-profil",
            "Messagerie": "/messagerie",
            last[0]: last[1],
        }
        visitors.append((http, pages))
    try:
        # Warm-up: templates compiled, connections open.
        await asyncio.gather(*(browse(http, base, pages, 1) for http, pages in visitors))
        started = time.perf_counter()
        results = await asyncio.gather(
            *(browse(http, base, pages, rounds) for http, pages in visitors)
        )
        wall = time.perf_counter() - started
        timings: dict[str, list[float]] = defaultdict(list)
        for result in results:
            for name, values in result.items():
                timings[name].extend(values)
        total = sum(len(values) for values in timings.values())
        print(
            f"\n{sessions} signed-in sessions browsing at once, {rounds} rounds "
            f"({total} pages in {wall:.1f} s, {total / wall:.0f} pages/s):"
        )
        print(f"  {'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        everything: list[float] = []
        for name, values in timings.items():
            everything.extend(values)
            print(
                f"  {name:<24} {statistics.median(values):8.1f} "
                f"{percentile(values, 0.95):8.1f} {max(values):8.1f}"
            )
        print(
            f"  {'all pages':<24} {statistics.median(everything):8.1f} "
            f"{percentile(everything, 0.95):8.1f} {max(everything):8.1f}"
        )

        print("\nweight of each page (HTML + the CSS, JavaScript and icon it loads):")
        http, pages = visitors[1]
        anonymous = aiohttp.ClientSession()
        try:
            measured = {**pages, "Agenda (ambassadeur)": "/agenda"}
            for name, path in measured.items():
                client = visitors[0][0] if "ambassadeur)" in name else http
                html, assets = await weight(base, client, path)
                print_weight(name, html, assets)
            for name, path in {
                "Accueil (visiteur)": "/",
                "Nous rejoindre": "/nous-rejoindre",
            }.items():
                html, assets = await weight(base, anonymous, path)
                print_weight(name, html, assets)
        finally:
            await anonymous.close()
    finally:
        for http, _ in visitors:
            await http.close()


def print_weight(name: str, html: int, assets: int) -> None:
    """One line of the weights' table."""
    print(f"  {name:<24} {html / 1024:6.1f} KB + {assets / 1024:5.1f} KB = ", end="")
    print(f"{(html + assets) / 1024:6.1f} KB")


if __name__ == "__main__":
    asyncio.run(main())
