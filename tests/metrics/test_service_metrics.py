"""Every service serves Prometheus metrics at ``/metrics``, and they move with the work.

The services run for real (over a socket, SecantusDB, the in-process bus or RabbitMQ,
aiosmtpd); each test scrapes, acts as a user would, and scrapes again. The figures
are the process's, shared by the tests of a session: tests compare before and after.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from aiohttp import web

from services.accounts.app import create_app as create_accounts
from services.web.app import create_app as create_site
from shared.bus import Delivery
from shared.metrics import exposition
from shared.outbox import COLLECTION as OUTBOX
from shared.settings import Settings
from tests.accounts.conftest import ambassador, fast_options
from tests.bus.probes import Pinged, Recorder, pinged
from tests.fixtures.http import served
from tests.fixtures.platform import running
from tests.fixtures.rabbit import BusHarness, wait_until
from tests.fixtures.smtp import SmtpServer
from tests.metrics.scrape import Scrape, parse, scrape
from tests.notifier.conftest import notifier

MakeSettings = Callable[..., Settings]
SIGN_UP = "/api/accounts/ambassadors"


def accounts_and_notifier() -> dict[str, Callable[..., web.Application]]:
    return {
        "accounts": functools.partial(create_accounts, options=fast_options()),
        "notifier": notifier(),
    }


async def test_a_sign_up_moves_the_request_event_and_delivery_figures(
    make_settings: MakeSettings, smtp_server: SmtpServer
) -> None:
    settings = make_settings(**smtp_server.settings())
    async with running(settings, accounts_and_notifier()) as run:
        accounts_page, notifier_page = (
            run.url("/api/accounts/metrics"),
            run.url("/api/notifier/metrics"),
        )
        accounts_before = await scrape(run.http, accounts_page)
        notifier_before = await scrape(run.http, notifier_page)

        body = ambassador(email=f"metrics-{uuid.uuid4().hex[:8]}@example.org")
        async with run.http.post(run.url(SIGN_UP), json=body) as answer:
            assert answer.status == 201, await answer.text()
        await smtp_server.wait_for(1, to=body["email"])

        async def delivery_counted() -> bool:
            page = await scrape(run.http, notifier_page)
            return moved(notifier_before, page, "po_notifier_deliveries_total") >= 1

        await wait_until(delivery_counted, within=15, what="the delivery to be counted")
        accounts_after = await scrape(run.http, accounts_page)
        notifier_after = await scrape(run.http, notifier_page)

    requests = "po_http_request_duration_seconds_count"
    assert moved(accounts_before, accounts_after, requests, route=SIGN_UP, status="201") == 1
    assert moved(accounts_before, accounts_after, requests, method="POST", status="201") == 1
    registered = "accounts.user.registered"
    assert moved(accounts_before, accounts_after, "po_events_published_total", type=registered) == 1
    assert moved(notifier_before, notifier_after, "po_events_consumed_total", type=registered) == 1
    assert (
        moved(
            notifier_before, notifier_after, "po_notifier_deliveries_total", outcome="smtp_accepted"
        )
        == 1
    )
    assert moved(notifier_before, notifier_after, "po_notifier_smtp_seconds_count") == 1
    # Both services live in one process here, each page shows only its own figures.
    assert accounts_after.services() == {"accounts"}
    assert notifier_after.services() == {"notifier"}
    assert notifier_after.labels_of("po_notifier_backlog")
    # What belongs to the process is on every page.
    assert accounts_after.value("process_resident_memory_bytes") > 0


async def test_an_email_refused_by_the_server_is_counted_under_its_outcome(
    make_settings: MakeSettings, smtp_server: SmtpServer
) -> None:
    smtp_server.answer_next("550 5.7.1 Message refused")
    settings = make_settings(**smtp_server.settings())
    async with running(settings, accounts_and_notifier()) as run:
        page = run.url("/api/notifier/metrics")
        before = await scrape(run.http, page)
        body = ambassador(email=f"refused-{uuid.uuid4().hex[:8]}@example.org")
        async with run.http.post(run.url(SIGN_UP), json=body) as answer:
            assert answer.status == 201, await answer.text()

        async def refusal_counted() -> bool:
            after = await scrape(run.http, page)
            return moved(before, after, "po_notifier_deliveries_total") >= 1

        await wait_until(refusal_counted, within=15, what="the refusal to be counted")
        after = await scrape(run.http, page)

    deliveries = "po_notifier_deliveries_total"
    assert moved(before, after, deliveries, outcome="smtp_message_refused") == 1
    assert moved(before, after, deliveries, outcome="smtp_accepted") == 0


async def test_an_event_stuck_in_the_outbox_shows_as_waiting_with_its_age(
    make_settings: MakeSettings,
) -> None:
    settings = make_settings()
    async with running(settings, {"accounts": create_accounts}) as run:
        outbox = run.platform.mongo[settings.database_name("accounts")][OUTBOX]
        now = datetime.now(UTC)
        # Written ten minutes ago and held by a replica for an hour: not published yet.
        await outbox.insert_one(
            {
                "_id": uuid.uuid4().hex,
                "type": "accounts.user.registered",
                "envelope": {},
                "created_at": now - timedelta(minutes=10),
                "available_at": now + timedelta(hours=1),
                "claim": "another-replica",
                "published_at": None,
                "attempts": 0,
            }
        )
        page = await scrape(run.http, run.url("/api/accounts/metrics"))

    assert page.value("po_outbox_waiting", service="accounts") >= 1
    assert page.value("po_outbox_oldest_age_seconds", service="accounts") >= 600


async def test_paths_nobody_serves_share_one_series_and_routes_are_templates(
    make_settings: MakeSettings,
) -> None:
    async with running(make_settings(), {"accounts": create_accounts}) as run:
        before = await scrape(run.http, run.url("/api/accounts/metrics"))
        for n in range(3):
            async with run.http.get(run.url(f"/api/accounts/nowhere/{n}")) as answer:
                assert answer.status == 404
        unknown = uuid.uuid4().hex
        async with run.http.get(run.url(f"/api/accounts/ambassadors/{unknown}")) as answer:
            assert answer.status == 401  # a real route: signed-in people only
        after = await scrape(run.http, run.url("/api/accounts/metrics"))

    requests = "po_http_request_duration_seconds_count"
    assert moved(before, after, requests, route="unmatched", status="404") == 3
    assert moved(before, after, requests, route="/api/accounts/ambassadors/{id}", status="401") == 1
    routes = {labels["route"] for labels in after.labels_of(requests)}
    assert not any("nowhere" in route or unknown in route for route in routes)


async def test_metrics_asked_through_a_proxy_are_not_found(make_settings: MakeSettings) -> None:
    async with running(make_settings(), {"accounts": create_accounts}) as run:
        url = run.url("/api/accounts/metrics")
        for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):
            async with run.http.get(url, headers={header: "203.0.113.7"}) as answer:
                assert answer.status == 404
                assert (await answer.json())["error"]["code"] == "not_found"
        async with run.http.get(url) as answer:
            assert answer.status == 200


async def test_the_site_counts_its_pages_by_route(
    make_settings: MakeSettings,
) -> None:
    settings = make_settings()
    async with running(settings, {"accounts": create_accounts}) as run:
        site = create_site(settings, run.platform.mongo, api_url=run.base_url)
        async with served(web.AppRunner(site)) as base:
            before = await scrape(run.http, f"{base}/metrics")
            async with run.http.get(f"{base}/connexion") as answer:
                assert answer.status == 200
            after = await scrape(run.http, f"{base}/metrics")
            async with run.http.get(
                f"{base}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}
            ) as answer:
                refused = answer.status

    requests = "po_http_request_duration_seconds_count"
    assert moved(before, after, requests, service="web", route="/connexion", status="200") == 1
    assert after.services() == {"web"}
    assert refused == 404


async def test_the_bus_counts_consumed_retried_and_parked_events(
    bus_harness: BusHarness,
) -> None:
    service = f"probe{uuid.uuid4().hex[:6]}"
    recorder = Recorder(fail_when=lambda delivery: _seq(delivery) == 2)
    bus = await bus_harness.bus(service)
    subscription = recorder.subscription(service)
    await bus.subscribe(subscription)
    before = parse(exposition(service).decode())
    producer_before = parse(exposition("tests").decode())

    await bus.publish(pinged(1))
    await bus.publish(pinged(2))  # fails every time: retried twice, then parked
    await bus_harness.inject(Pinged.type, b"not an envelope")
    await wait_until(lambda: recorder.seqs() == [1], what="the good event")

    async def both_parked() -> bool:
        return len(await bus.parked(subscription)) == 2

    await wait_until(both_parked, within=20, what="the two bad messages to be parked")
    after = parse(exposition(service).decode())
    producer_after = parse(exposition("tests").decode())

    kind = {"type": Pinged.type}
    assert moved(before, after, "po_events_consumed_total", **kind) == 1
    assert moved(before, after, "po_events_retried_total", **kind) == 2
    assert moved(before, after, "po_events_parked_total", reason="handler_failed", **kind) == 1
    assert moved(before, after, "po_events_parked_total", reason="unreadable", **kind) == 1
    assert moved(producer_before, producer_after, "po_events_published_total", **kind) >= 2


def _seq(delivery: Delivery) -> int:
    event = delivery.event
    assert isinstance(event, Pinged)
    return event.seq


def moved(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    """How much the samples of ``name`` with ``labels`` grew between two scrapes."""
    return after.value(name, **labels) - before.value(name, **labels)
