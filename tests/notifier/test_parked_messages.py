"""Parked messages seen and handled by an admin over HTTP, on a real RabbitMQ.

Two messages end in the notifier's parking queue of sign-up emails: one a broken
producer sent (its data does not match the contract), one a valid sign-up whose
handler kept failing while the database refused its writes. The admin lists and
inspects them (the confirmation link masked), discards the broken one and replays
the other once the database is back: the email then goes out. Who did what is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import aio_pika
import pytest
from pymongo import AsyncMongoClient

from shared.mongo import Document
from shared.parking import MASKED
from shared.settings import Settings
from tests.fixtures.http import send
from tests.fixtures.mongo import failing_commands
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import NotifierDatabase, notifier, wrap
from tests.notifier.test_admin_api import ADMIN, STAFF, token_for

pytestmark = pytest.mark.broker

MakeSettings = Callable[..., Settings]
BROKEN = {
    "id": "0b5d7c7e-2f0e-4d8e-9a51-2d0f3c5c6a11",
    "type": "accounts.user.registered",
    "version": 1,
    "occurred_at": "2026-11-30T10:00:00Z",
    "producer": "a-broken-producer",
}


async def call(
    run: RunningPlatform, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    answer = await send(run.http, method, run.url(f"/api/notifier{path}"), headers=headers)
    return answer.status, answer.body


async def publish_raw(settings: Settings, routing_key: str, body: bytes) -> None:
    """What a broken producer would send."""
    assert settings.amqp_url is not None
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(f"{settings.bus_prefix}.events")
        message = aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        await exchange.publish(message, routing_key, mandatory=True)


async def test_admin_discards_a_broken_message_and_replays_one_whose_handler_failed(
    amqp_url: str,
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
    mongo_client: AsyncMongoClient[Document],
) -> None:
    settings = make_settings(amqp_url=amqp_url, **smtp_server.settings())
    admin = token_for(settings, ADMIN)
    async with running(settings, {"notifier": notifier()}) as run:
        broken = json.dumps({**BROKEN, "data": {"user_id": 3}}).encode()
        await publish_raw(settings, "accounts.user.registered", broken)
        signed_up = wrap(samples.registered())
        # The database refuses the handler's writes on every attempt: parked.
        async with failing_commands(
            mongo_client, app_name="tests", commands=["insert", "update"], times=1000, error_code=2
        ):
            await run.platform.bus.publish(signed_up)

            async def both_parked() -> bool:
                status, page = await call(run, "GET", "/parked", admin)
                return status == 200 and len(page["items"]) == 2

            await wait_until(both_parked, within=30, what="two messages parked")

        status, page = await call(run, "GET", "/parked", admin)
        assert status == 200
        by_event = {item["event_id"]: item for item in page["items"]}
        failed, unreadable = by_event[str(signed_up.id)], by_event[BROKEN["id"]]
        assert failed["event_type"] == "accounts.user.registered"
        # One attempt and a retry per delay of the settings (three).
        assert "handler failed 4 times" in failed["reason"]
        assert failed["attempts"] == 4
        assert "data does not match the model" in unreadable["reason"]
        assert (failed["unreadable"], unreadable["unreadable"]) == (False, True)

        status, detail = await call(run, "GET", f"/parked/{failed['id']}", admin)
        assert status == 200
        assert detail["envelope"]["data"]["confirmation_url"] == MASKED
        assert detail["envelope"]["data"]["first_name"] == "Zoé"
        assert samples.CONFIRMATION_URL not in json.dumps(detail)

        # Someone else than an admin sees nothing and changes nothing.
        status, _ = await call(
            run, "POST", f"/parked/{failed['id']}/replay", token_for(settings, STAFF)
        )
        assert status == 403

        status, discarded = await call(run, "POST", f"/parked/{unreadable['id']}/discard", admin)
        assert status == 200
        assert discarded["action"] == "discarded"
        status, replayed = await call(run, "POST", f"/parked/{failed['id']}/replay", admin)
        assert status == 200
        assert replayed["event_id"] == str(signed_up.id)

        [mail] = await smtp_server.wait_for(1, to=samples.AMBASSADOR_EMAIL, within=30)
        assert samples.CONFIRMATION_URL in mail.text()
        status, page = await call(run, "GET", "/parked", admin)
        assert page["items"] == []
        status, again = await call(run, "POST", f"/parked/{failed['id']}/replay", admin)
        assert status == 404
        assert again["error"]["code"] == "parked_message_not_found"

        status, actions = await call(run, "GET", "/parking-actions", admin)
    assert status == 200
    assert [(a["action"], a["event_id"], a["admin_id"]) for a in actions["items"]] == [
        ("replayed", str(signed_up.id), ADMIN.user_id),
        ("discarded", BROKEN["id"], ADMIN.user_id),
    ]
