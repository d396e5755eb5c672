"""Each service describes its events in AsyncAPI 3.0, and what is consumed is published.

The consumer-driven contract test of the platform's events: every service's document
is read over HTTP, as a developer or another team would, and every event type that a
service receives must be sent by exactly one service, in a shape the receiver reads.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any, ClassVar

import pytest
import pytest_asyncio

from embedded.catalog import SERVICES
from embedded.ports import free_port
from shared.asyncapi import build_asyncapi, consumed_types, published_types
from shared.bus import Delivery, Subscription
from shared.contracts import accounts, agenda, messaging, notifier
from shared.events import Event
from shared.settings import Settings
from tests.contracts.compatibility import Side, problems
from tests.fixtures.platform import running

Documents = dict[str, dict[str, Any]]
CONTRACTS: dict[str, ModuleType] = {
    "accounts": accounts,
    "agenda": agenda,
    "messaging": messaging,
    "notifier": notifier,
}
# Keys of the maps of an AsyncAPI 3.0 document (its component-name pattern).
_KEY = re.compile(r"^[A-Za-z0-9.\-_]+$")


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def documents(
    mongo_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Documents]:
    """Every service's AsyncAPI document, fetched from the running platform."""
    settings = Settings(
        mongo_url=mongo_url,
        database_prefix=f"t{uuid.uuid4().hex[:8]}_",
        bus_prefix=f"t{uuid.uuid4().hex[:8]}",
        data_dir=tmp_path_factory.mktemp("asyncapi"),
        log_json=False,
        relay_smtp_port=free_port(),
    )
    async with running(settings, SERVICES) as platform:
        found: Documents = {}
        for name in SERVICES:
            async with platform.http.get(platform.url(f"/api/{name}/asyncapi.json")) as response:
                assert response.status == 200, name
                assert response.content_type == "application/json"
                found[name] = await response.json()
        yield found


def test_every_service_serves_an_asyncapi_3_document(documents: Documents) -> None:
    assert sorted(documents) == sorted(SERVICES)
    for name, document in documents.items():
        assert document["asyncapi"] == "3.0.0", name
        assert {"title", "version"} <= set(document["info"]), name
        for kind in ("channels", "operations"):
            assert document[kind], f"{name} has no {kind}"
        assert document["components"]["messages"], name
        for section in (
            document["channels"],
            document["operations"],
            *document["components"].values(),
        ):
            assert all(_KEY.match(key) for key in section), name
        for channel in document["channels"].values():
            assert isinstance(channel["address"], str)
            for message in channel["messages"].values():
                assert _follow(document, message["$ref"])["payload"]["type"] == "object"
        for operation in document["operations"].values():
            assert operation["action"] in {"send", "receive"}
            channel = _follow(document, operation["channel"]["$ref"])
            for message in operation["messages"]:
                assert _follow(document, message["$ref"]) is not None
                assert message["$ref"].startswith(operation["channel"]["$ref"] + "/messages/")
            assert channel is not None
        _every_reference_resolves(document, document, name)


def test_documents_say_what_each_service_publishes(documents: Documents) -> None:
    for name, contracts in CONTRACTS.items():
        assert set(published_types(documents[name])) == {
            model.type for model in contracts.PUBLISHED
        }
    # Accounts reads every other service's personal-data answers.
    assert {
        "agenda.user.erased",
        "messaging.export.prepared",
        "notifier.personal_data.read",
    } <= set(consumed_types(documents["accounts"]))


def test_everything_consumed_is_published_in_a_shape_its_consumer_reads(
    documents: Documents,
) -> None:
    producers: dict[str, list[str]] = {}
    for name, document in documents.items():
        for event_type in published_types(document):
            producers.setdefault(event_type, []).append(name)

    checked = 0
    for consumer, document in documents.items():
        for event_type in consumed_types(document):
            assert len(producers.get(event_type, [])) == 1, f"{consumer} consumes {event_type}"
            [producer] = producers[event_type]
            read = _payload(document, event_type)
            written = _payload(documents[producer], event_type)
            assert problems(read, written) == [], f"{producer} → {consumer}: {event_type}"
            checked += 1
    assert checked >= 30


def test_each_producer_lists_every_event_of_its_contracts() -> None:
    for producer, contracts in CONTRACTS.items():
        declared = {
            value
            for value in vars(contracts).values()
            if isinstance(value, type) and issubclass(value, Event) and "type" in vars(value)
        }
        assert set(contracts.PUBLISHED) == declared, producer
        assert all(model.type.startswith(f"{producer}.") for model in declared), producer


class _Written(Event):
    """What a producer writes."""

    type: ClassVar[str] = "tests.thing.happened"
    thing_id: str
    size: int | None = None


class _ReadStrictly(Event):
    """A consumer that wants more than is written, and a size always given."""

    type: ClassVar[str] = "tests.thing.happened"
    thing_id: str
    size: int
    colour: str


async def _ignore(delivery: Delivery) -> None:
    pass


def test_the_contract_check_finds_what_a_consumer_could_not_read() -> None:
    consume: Callable[[type[Event]], Subscription] = lambda model: Subscription(  # noqa: E731
        "tests", "read", model, _ignore
    )
    producer = build_asyncapi("producer", publishes=[_Written], consumes=[], exchange="x")
    lenient = build_asyncapi("lenient", publishes=[], consumes=[consume(_Written)], exchange="x")
    strict = build_asyncapi("strict", publishes=[], consumes=[consume(_ReadStrictly)], exchange="x")
    written = _payload(producer, _Written.type)

    assert problems(_payload(lenient, _Written.type), written) == []
    found = problems(_payload(strict, _Written.type), written)
    assert any("colour" in problem and "never written" in problem for problem in found)
    assert any(".size" in problem and "null" in problem for problem in found)


def _payload(document: dict[str, Any], event_type: str) -> Side:
    return Side(document["components"]["messages"][event_type]["payload"], document)


def _follow(document: dict[str, Any], reference: str) -> Any:
    node: Any = document
    for key in reference.removeprefix("#/").split("/"):
        node = node[key]
    return node


def _every_reference_resolves(node: Any, document: dict[str, Any], name: str) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            _follow(document, node["$ref"])  # raises KeyError when dangling
        for value in node.values():
            _every_reference_resolves(value, document, name)
    elif isinstance(node, list):
        for value in node:
            _every_reference_resolves(value, document, name)
