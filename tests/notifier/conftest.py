"""What the notifier's tests share: fast delivery settings and a look into its database.

The other harnesses run the notifier beside their service with :func:`notifier`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from pymongo import AsyncMongoClient

from services.notifier.app import create_app
from services.notifier.settings import NotifierSettings
from services.notifier.store import PENDING, NotifierStore
from shared.events import Envelope, Event
from shared.mongo import Document
from shared.runtime import Platform
from shared.settings import Settings
from tests.fixtures.rabbit import wait_until


def fast_delivery(**changes: Any) -> NotifierSettings:
    """Delivery settings for tests: retries within tenths of a second."""
    values: dict[str, Any] = {
        "retry_delays": [0.05, 0.1, 0.2],
        "max_attempts": 100,
        "max_age_seconds": 600,
        "batch_size": 10,
        "batch_linger_seconds": 0.01,
        "poll_seconds": 0.1,
        "lease_seconds": 10,
        "smtp_timeout_seconds": 5,
    }
    values.update(changes)
    return NotifierSettings(**values)


def notifier(config: NotifierSettings | None = None) -> Callable[[Platform], web.Application]:
    """The notifier's factory for ``running(settings, {"notifier": …})``."""
    chosen = config or fast_delivery()
    return lambda platform: create_app(platform, chosen)


def wrap(event: Event) -> Envelope:
    """An envelope as the producing service would publish it."""
    return Envelope.wrap(event, producer=event.type.split(".")[0])


@dataclass
class NotifierDatabase:
    """The notifier's own database, read the way an operator would."""

    store: NotifierStore

    async def deliveries(self, **query: Any) -> list[Document]:
        return [doc async for doc in self.store.deliveries.find(query).sort("created_at", 1)]

    async def for_event(self, envelope: Envelope) -> list[Document]:
        return await self.deliveries(event_id=str(envelope.id))

    async def wait_finished(self, count: int, *, within: float = 60.0) -> list[Document]:
        """Wait until ``count`` records exist and none is still queued or being sent."""

        async def finished() -> bool:
            total = await self.store.deliveries.count_documents({})
            pending = await self.store.deliveries.count_documents(
                {"status": {"$in": [status.value for status in PENDING]}}
            )
            return total >= count and pending == 0

        await wait_until(finished, within=within, what=f"{count} deliveries finished")
        return await self.deliveries()

    async def wait_status(
        self, envelope: Envelope, status: str, *, within: float = 60.0
    ) -> Document:
        """Wait until the (single) record of ``envelope`` has ``status``."""

        async def reached() -> bool:
            records = await self.for_event(envelope)
            return len(records) == 1 and records[0]["status"] == status

        await wait_until(reached, within=within, what=f"delivery {status}")
        [record] = await self.for_event(envelope)
        return record


@pytest.fixture
def notifier_db(mongo_client: AsyncMongoClient[Document], database_prefix: str) -> NotifierDatabase:
    """The notifier database of this test's platform."""
    return NotifierDatabase(NotifierStore(mongo_client[f"{database_prefix}notifier"]))


async def publish_all(platform: Platform, events: Sequence[Event]) -> list[Envelope]:
    """Publish events with their confirms in flight together; fail on any error."""
    envelopes = [wrap(event) for event in events]
    errors = await platform.bus.publish_many(envelopes)
    assert errors == [None] * len(envelopes)
    return envelopes


def settings_for(
    make_settings: Callable[..., Settings], smtp: dict[str, Any], **changes: Any
) -> Settings:
    """This test's settings pointing at its SMTP server."""
    return make_settings(**smtp, **changes)
