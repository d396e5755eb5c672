"""A broker connection cut and restored is one warning, never an error.

Services with their subscriptions (many channels) run over the real broker, with the
project's logging set up; the connection is cut by the broker (as a restart does) or
by the network (a relay taken down, then back).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from services.messaging.app import create_app as messaging_app
from shared.logging import configure_logging
from shared.settings import Settings
from tests.fixtures.platform import running
from tests.fixtures.rabbit import (
    BrokerLink,
    rabbitmq_close_all_connections,
    vhost_of,
    wait_until,
)
from tests.notifier.conftest import notifier

pytestmark = pytest.mark.broker

MakeSettings = Callable[..., Settings]


@pytest.fixture
def project_logging() -> Iterator[None]:
    """The logging every process sets up, removed after the test."""
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(Settings(log_json=False), stream=io.StringIO())
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _worth_a_look(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno == level
    ]


@pytest.mark.parametrize("cut", ["broker", "network"])
async def test_a_cut_connection_is_one_warning_with_its_cause_and_no_error(
    cut: str,
    amqp_url: str,
    broker_link: BrokerLink,
    make_settings: MakeSettings,
    project_logging: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = broker_link.url(amqp_url) if cut == "network" else amqp_url
    settings = make_settings(amqp_url=url)
    services = {"notifier": notifier(), "messaging": messaging_app}
    async with running(settings, services) as run:
        bus = run.platform.bus
        await wait_until(lambda: bus.connected, what="the bus to be connected")
        caplog.clear()
        caplog.set_level(logging.INFO)

        if cut == "broker":
            await rabbitmq_close_all_connections(vhost_of(amqp_url))
        else:
            broker_link.down()
            await wait_until(lambda: not bus.connected, what="the bus to see the cut")
            broker_link.restore()
        await wait_until(lambda: bus.state()["reconnects"] >= 1, within=30, what="reconnected")
        await wait_until(lambda: bus.connected, within=30, what="the bus connected again")
        errors = _worth_a_look(caplog, logging.ERROR)
        warnings = _worth_a_look(caplog, logging.WARNING)

    assert errors == []
    [warning] = warnings
    assert warning.startswith("shared.bus: broker connection lost, reconnecting: ")
    if cut == "broker":
        assert "CONNECTION_FORCED" in warning


def test_the_broker_clients_other_errors_stay_errors(
    project_logging: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("aio_pika.tools").error(
        "Callback %r error: %s: %s", "<a consumer callback>", "ValueError", "a bug"
    )
    logging.getLogger("aio_pika.robust_connection").error(
        "Reconnect attempt failed %s due to %s: %s. Retrying after %r seconds.",
        "amqp://broker",
        "ProbableAuthenticationError",
        "ACCESS_REFUSED",
        1.0,
    )
    logging.getLogger("aio_pika.tools").error(
        "Callback %r error: %s: %s",
        "<RobustChannel._on_close>",
        "ChannelInvalidStateError",
        "No active transport in channel",
    )

    assert [record.levelname for record in caplog.records] == ["ERROR", "ERROR"]
