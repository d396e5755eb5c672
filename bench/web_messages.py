"""« Messagerie »: server time of a conversation's page, and how soon a message reaches
the other person's open page.

The whole platform runs as in the embedded default (the site at ``/``, the four services
under ``/api``, the in-process bus, the embedded store unless ``MONGO_URL`` is set), with
its demo accounts. The demo teacher solicits the demo ambassador; the two of them
exchange twenty messages, so that the page shows a full first page.

1. ``--sessions`` signed-in browsing sessions (each with its own cookie, signed in through
   the form; half the ambassador, half the teacher) open the conversation's page
   ``--rounds`` times each, all at once: p50, p95, max of the server time (request
   sent → last byte received, over a real socket; the client shares the cores).
2. Delay from a post to its display: ``--followers`` open pages of the teacher follow
   the conversation exactly as ``messaging.js`` does (the site's
   ``/messagerie/{id}/nouveaux?apres=…``, relayed to the messaging API's long wait with
   the session); the ambassador posts ``--posts`` messages through the page's form.
   For every message and every open page: time from the form's POST sent to the
   follow request's answer carrying it. Measured at rest, then again while the
   browsing sessions of (1) load the conversation's page.

Run: ``python -m bench.web_messages [--sessions 20] [--rounds 10] [--followers 10]``.
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

import aiohttp
from aiohttp import web

from bench.figures import percentile
from bench.servers import served_site
from bench.web_pages import api_token, signed_in_visitor, solicitation
from services.accounts.app import create_app as accounts_app
from services.accounts.demo import DEMO_ACCOUNTS
from services.agenda.app import create_app as agenda_app
from services.messaging.app import create_app as messaging_app
from services.messaging.settings import MessagingSettings
from services.notifier.app import create_app as notifier_app
from shared.runtime import Platform

SERVICES: dict[str, Callable[[Platform], web.Application]] = {
    "accounts": accounts_app,
    "agenda": agenda_app,
    # The posting limit (10 a minute per person) would stop the measuring posts.
    "messaging": lambda platform: messaging_app(
        platform, MessagingSettings(messages_per_minute=100_000)
    ),
    "notifier": notifier_app,
}
AMBASSADOR = next((e, p) for _, e, p in DEMO_ACCOUNTS if e.startswith("electricienne@"))
STAFF = next((e, p) for role, e, p in DEMO_ACCOUNTS if role == "staff")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_MARK = re.compile(r"mesure-\d+-\d+")


async def a_conversation(base: str, messages: int) -> str:
    """The teacher solicits the ambassador; ``messages`` exchanged; the conversation's id."""
    async with aiohttp.ClientSession() as http:
        tokens = [await api_token(http, base, *STAFF), await api_token(http, base, *AMBASSADOR)]
        headers = [{"Authorization": f"Bearer {token}"} for token in tokens]
        body = solicitation("demo-ambassador-electricienne", in_days=10)
        async with http.post(
            f"{base}/api/agenda/solicitations", json=body, headers=headers[0]
        ) as answer:
            assert answer.status == 201, await answer.text()
            appointment_id = (await answer.json())["id"]
        conversation_id = ""
        async with asyncio.timeout(20):  # opened by an event
            while not conversation_id:
                async with http.get(
                    f"{base}/api/messaging/conversations", headers=headers[0]
                ) as answer:
                    items = (await answer.json())["items"]
                found = [c["id"] for c in items if c["appointment_id"] == appointment_id]
                conversation_id = found[0] if found else ""
                await asyncio.sleep(0.05)
        for number in range(messages):
            async with http.post(
                f"{base}/api/messaging/conversations/{conversation_id}/messages",
                json={"body": f"Message {number} : une question sur la journée type ?"},
                headers=headers[number % 2],
            ) as answer:
                assert answer.status == 201, await answer.text()
    return conversation_id


async def browse(http: aiohttp.ClientSession, url: str, rounds: int) -> list[float]:
    """Open the page ``rounds`` times; milliseconds each."""
    timings: list[float] = []
    for _ in range(rounds):
        sent = time.perf_counter()
        async with http.get(url, allow_redirects=False) as page:
            await page.read()
            assert page.status == 200, f"{url}: {page.status}"
        timings.append((time.perf_counter() - sent) * 1000)
    return timings


async def follow(
    http: aiohttp.ClientSession, url: str, after: int, arrivals: dict[str, list[float]]
) -> None:
    """An open page following the conversation as its script does, until cancelled."""
    while True:
        async with http.get(url, params={"apres": str(after)}) as answer:
            assert answer.status == 200, await answer.text()
            body = await answer.json()
        now = time.perf_counter()
        for item in body["items"]:
            mark = _MARK.search(item["html"])
            if mark:
                arrivals[mark.group(0)].append(now)
        after = int(body["after"])


async def newest_seq(http: aiohttp.ClientSession, url: str) -> int:
    """The number of the newest message the page shows."""
    async with http.get(url) as page:
        found = re.findall(r'data-seq="(\d+)"', await page.text())
    return max(int(seq) for seq in found)


async def delays(
    base: str,
    conversation_id: str,
    writer: aiohttp.ClientSession,
    followers: list[aiohttp.ClientSession],
    posts: int,
    run: int,
) -> tuple[list[float], int]:
    """Milliseconds from each post to each open page showing it; and how many never did."""
    page = f"{base}/messagerie/{conversation_id}"
    async with writer.get(page) as answer:
        token = _CSRF.search(await answer.text())
        assert token is not None
    after = await newest_seq(writer, page)
    arrivals: dict[str, list[float]] = defaultdict(list)
    tasks = [
        asyncio.create_task(follow(http, f"{page}/nouveaux", after, arrivals)) for http in followers
    ]
    sent: dict[str, float] = {}
    try:
        await asyncio.sleep(0.5)  # every page is waiting
        for number in range(posts):
            mark = f"mesure-{run}-{number}"
            sent[mark] = time.perf_counter()
            form = {"csrf": token.group(1), "message": f"Question {mark} : à quelle heure ?"}
            async with writer.post(page, data=form, allow_redirects=False) as answer:
                assert answer.status == 303, await answer.text()
            await asyncio.sleep(0.25)
        await asyncio.sleep(2)  # the last ones arrive
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    measured = [
        (arrived - sent[mark]) * 1000 for mark, times in arrivals.items() for arrived in times
    ]
    missing = posts * len(followers) - len(measured)
    return measured, missing


def line(name: str, values: list[float]) -> str:
    """One line of a table: p50, p95, max in milliseconds."""
    return (
        f"  {name:<36} {statistics.median(values):8.1f} "
        f"{percentile(values, 0.95):8.1f} {max(values):8.1f}"
    )


async def run(base: str, sessions: int, rounds: int, followers: int, posts: int) -> None:
    """The measures, against a served platform."""
    conversation_id = await a_conversation(base, messages=20)
    page = f"{base}/messagerie/{conversation_id}"
    visitors = [
        await signed_in_visitor(base, *(STAFF if number % 2 else AMBASSADOR))
        for number in range(sessions)
    ]
    readers = [await signed_in_visitor(base, *STAFF) for _ in range(followers)]
    writer = await signed_in_visitor(base, *AMBASSADOR)
    try:
        await asyncio.gather(*(browse(http, page, 1) for http in visitors))  # warm-up
        started = time.perf_counter()
        results = await asyncio.gather(*(browse(http, page, rounds) for http in visitors))
        wall = time.perf_counter() - started
        timings = [value for result in results for value in result]
        print(
            f"\nconversation's page, {sessions} signed-in sessions at once, {rounds} rounds "
            f"({len(timings)} pages in {wall:.1f} s, {len(timings) / wall:.0f} pages/s):"
        )
        print(f"  {'':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        print(line("server time of the page", timings))

        at_rest, missing_at_rest = await delays(
            base, conversation_id, writer, readers, posts, run=1
        )
        loading = asyncio.gather(*(browse(http, page, rounds * 3) for http in visitors))
        under_load, missing_under_load = await delays(
            base, conversation_id, writer, readers, posts, run=2
        )
        await loading
        print(
            f"\npost → shown on the other person's open page ({posts} posts through the "
            f"form, {followers} open pages following; {posts * followers} deliveries each):"
        )
        print(f"  {'':<36} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        print(line("at rest", at_rest))
        print(line(f"while {sessions} sessions load the page", under_load))
        if missing_at_rest or missing_under_load:
            print(f"  never shown: {missing_at_rest} at rest, {missing_under_load} under load")
    finally:
        for http in (*visitors, *readers, writer):
            await http.close()


async def main() -> None:
    """Serve the platform, make the data, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="visits of the page per session")
    parser.add_argument("--followers", type=int, default=10, help="open pages following")
    parser.add_argument("--posts", type=int, default=30, help="messages posted per measure")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    async with served_site(SERVICES, process="bench-web-messages") as base:
        await run(base, args.sessions, args.rounds, args.followers, args.posts)


if __name__ == "__main__":
    asyncio.run(main())
