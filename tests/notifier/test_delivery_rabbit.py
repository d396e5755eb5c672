"""The main path over a real RabbitMQ: events from the broker, emails into aiosmtpd."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from shared.settings import Settings
from tests.fixtures.platform import running
from tests.fixtures.smtp import SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import NotifierDatabase, fast_delivery, notifier, publish_all, wrap

pytestmark = pytest.mark.broker

MakeSettings = Callable[..., Settings]


async def test_event_from_rabbitmq_becomes_one_email_even_when_delivered_twice(
    amqp_url: str,
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
) -> None:
    # One message at a time: the later event is handled after both copies of the first.
    settings = make_settings(amqp_url=amqp_url, bus_prefetch=1, **smtp_server.settings())
    async with running(settings, {"notifier": notifier()}) as run:
        twice = wrap(samples.registered())
        later = wrap(samples.registered("u-2", "autre@exemple.fr"))
        for envelope in (twice, twice, later):
            await run.platform.bus.publish(envelope)
        await notifier_db.wait_status(later, "sent")
        record = await notifier_db.wait_status(twice, "sent")

    [mail] = smtp_server.to(samples.AMBASSADOR_EMAIL)
    assert samples.CONFIRMATION_URL in mail.text()
    assert record["attempts"] == 1
    assert len(smtp_server.inbox) == 2


async def test_notifier_stopped_mid_burst_over_rabbitmq_resumes_exactly_once(
    amqp_url: str,
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
) -> None:
    who = [(f"p-{n}", f"p{n}@exemple.fr") for n in range(50)]
    # One settings object for both runs: same databases, same queues.
    settings = make_settings(amqp_url=amqp_url, bus_prefetch=4, **smtp_server.settings())
    config = fast_delivery(batch_size=5)
    async with running(settings, {"notifier": notifier(config)}) as run:
        await publish_all(
            run.platform, [samples.registered(user, address) for user, address in who]
        )
        await smtp_server.wait_for(1, within=60)
    stopped_with = len(smtp_server.inbox)

    # A new process on the same databases and queues picks up events and records.
    async with running(settings, {"notifier": notifier(config)}):
        records = await notifier_db.wait_finished(50, within=60)

    assert stopped_with < 50, "the first run should have been stopped mid-burst"
    received = Counter(address for mail in smtp_server.inbox for address in mail.rcpt_tos)
    assert received == Counter(address for _, address in who)
    assert {record["status"] for record in records} == {"sent"}
