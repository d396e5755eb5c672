"""A post that meets a write conflict is retried, and never answered with a 500.

Another writer holds the conversation in an open transaction on the real store: the
post's client bulk write then fails with a ``WriteConflict`` wrapped in a
``ClientBulkWriteException``, the store's own answer, not a simulated one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from pymongo.asynchronous.client_session import AsyncClientSession

from tests.messaging.conftest import Relay

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


class RetryWarnings(logging.Handler):
    """Signals the first retry warning of ``shared.transient``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.first = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.first.set()


@pytest.fixture
def retry_warnings() -> Iterator[RetryWarnings]:
    handler = RetryWarnings()
    logger = logging.getLogger("shared.transient")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@asynccontextmanager
async def conversation_held(
    relay: Relay, conversation: dict[str, Any]
) -> AsyncIterator[AsyncClientSession]:
    """Another writer's transaction that changed the conversation, still open."""
    client = relay.run.platform.mongo
    conversations = client[relay.settings.database_name("messaging")]["conversations"]
    async with client.start_session() as session:
        await session.start_transaction()
        await conversations.update_one(
            {"_id": conversation["id"]}, {"$set": {"held_by_test": True}}, session=session
        )
        try:
            yield session
        finally:
            if session.in_transaction:
                await session.abort_transaction()


async def _conversation(relay: Relay) -> tuple[Any, Any, dict[str, Any]]:
    lea = relay.person("staff", "Léa", "Martin")
    karim = relay.person("ambassador", "Karim", "Benali")
    await relay.introduce(lea, karim)
    return lea, karim, await relay.solicit(lea, karim, "Seriez-vous disponible ?")


async def test_a_post_that_conflicts_with_another_writer_is_retried_and_written(
    open_relay: OpenRelay, retry_warnings: RetryWarnings
) -> None:
    async with open_relay() as relay:
        _, karim, conversation = await _conversation(relay)
        path = f"/conversations/{conversation['id']}/messages"
        async with conversation_held(relay, conversation) as other:
            posting = asyncio.create_task(relay.post(path, karim, {"body": "Oui, avec plaisir."}))
            # The post met the conflict and waits to try again: the other writer commits.
            await retry_warnings.first.wait()
            await other.commit_transaction()
            answer = await posting
        bodies = [m["body"] for m in await relay.messages(conversation, karim)]

    assert answer.status == 201, answer.body
    assert bodies == ["Seriez-vous disponible ?", "Oui, avec plaisir."]


async def test_a_conflict_outlasting_the_retries_is_a_503_in_french(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        _, karim, conversation = await _conversation(relay)
        path = f"/conversations/{conversation['id']}/messages"
        async with conversation_held(relay, conversation):
            answer = await relay.post(path, karim, {"body": "Oui, avec plaisir."})
        bodies = [m["body"] for m in await relay.messages(conversation, karim)]

    assert answer.status == 503, answer.body
    assert answer.body["error"]["code"] == "service_unavailable"
    assert answer.body["error"]["message"] == (
        "Le service est momentanément indisponible, réessayez dans un instant."
    )
    assert answer.headers["Retry-After"] == "1"
    assert bodies == ["Seriez-vous disponible ?"]
