"""A bus given several nodes (``AMQP_URL`` as a comma-separated list) goes to another
when its node goes away, and starts on any node that answers.

Two relays to the one test broker stand for two nodes of a cluster: each can be taken
down alone. The real three-node cluster is ``tests/system/test_cluster_failover.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from yarl import URL

from shared.bus.failover import node_urls, where
from shared.bus.rabbit import RabbitBus
from tests.bus.probes import Recorder, pinged
from tests.fixtures.rabbit import BrokerLink, BusHarness, wait_until


@pytest_asyncio.fixture
async def two_nodes(amqp_url: str) -> AsyncIterator[tuple[BrokerLink, BrokerLink]]:
    """Two relays to the test broker, as two nodes of one cluster."""
    url = URL(amqp_url)
    links = (
        BrokerLink(url.host or "127.0.0.1", url.port or 5672),
        BrokerLink(url.host or "127.0.0.1", url.port or 5672),
    )
    for link in links:
        await link.start()
    yield links
    for link in links:
        await link.close()


async def _bus_over(harness: BusHarness, links: tuple[BrokerLink, ...], service: str) -> RabbitBus:
    assert harness.settings.amqp_url is not None
    listed = ",".join(link.url(harness.settings.amqp_url) for link in links)
    settings = harness.settings.model_copy(update={"amqp_url": listed})
    bus = RabbitBus(settings, service, reconnect_interval=0.2)
    await bus.start()
    harness.opened.append(bus)
    return bus


def _port_of(bus: RabbitBus) -> int:
    address = str(bus.state()["address"])
    return int(address.split("/")[0].rsplit(":", 1)[1])


def test_amqp_url_lists_nodes_separated_by_commas() -> None:
    urls = node_urls("amqp://u:p@a:5672/v, amqp://u:p@b:5673/v,amqps://u:p@c/v")

    assert [where(url) for url in urls] == ["a:5672/v", "b:5673/v", "c:5671/v"]
    with pytest.raises(ValueError, match="not an AMQP URL"):
        node_urls("amqp://u:p@a/v,http://b/")
    with pytest.raises(ValueError, match="names no node"):
        node_urls(" , ")


@pytest.mark.broker
async def test_bus_starts_on_the_next_node_when_the_first_is_down(
    rabbit_harness: BusHarness, two_nodes: tuple[BrokerLink, BrokerLink]
) -> None:
    first, second = two_nodes
    first.down()
    recorder = Recorder()

    bus = await _bus_over(rabbit_harness, two_nodes, "agenda")
    await bus.subscribe(recorder.subscription("agenda"))
    await bus.publish(pinged(1))

    await wait_until(lambda: recorder.seqs() == [1], what="the event through the second node")
    assert first.refused >= 1
    assert _port_of(bus) == second.port


@pytest.mark.broker
async def test_consumer_and_publisher_move_to_a_live_node_when_theirs_goes_away(
    rabbit_harness: BusHarness, two_nodes: tuple[BrokerLink, BrokerLink]
) -> None:
    first, second = two_nodes
    recorder = Recorder()
    bus = await _bus_over(rabbit_harness, two_nodes, "agenda")
    await bus.subscribe(recorder.subscription("agenda"))
    assert _port_of(bus) == first.port

    first.down()  # the node goes away for good: the bus does not wait for it
    await bus.publish(pinged(1))
    await wait_until(lambda: recorder.seqs() == [1], what="the event through the other node")
    assert _port_of(bus) == second.port
    # Counted once every channel is restored, possibly after the event went through.
    await wait_until(lambda: bus.state()["reconnects"] >= 1, what="the bus restored")

    # Its new node goes away too while the first is back: round-robin, back to it.
    first.restore()
    second.down()
    await bus.publish(pinged(2))
    await wait_until(lambda: recorder.seqs() == [1, 2], what="the event through the first node")
    assert _port_of(bus) == first.port
