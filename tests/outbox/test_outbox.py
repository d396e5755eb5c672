"""The transactional outbox and the idempotent consumer, on both buses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from shared.bus import Delivery
from shared.events import Envelope
from shared.handlers import on
from shared.idempotency import HANDLED_EVENTS_INDEXES, HandledEvents
from shared.mongo import Document, connect, ensure_indexes, in_transaction
from shared.outbox import OUTBOX_INDEXES, Outbox
from tests.bus.probes import Pinged, Recorder, pinged
from tests.fixtures.mongo import failing_commands
from tests.fixtures.rabbit import BusHarness, wait_until


async def _database(client: AsyncMongoClient[Document], prefix: str) -> AsyncDatabase[Document]:
    db = client[f"{prefix}outbox"]
    await ensure_indexes(db, [*OUTBOX_INDEXES, *HANDLED_EVENTS_INDEXES])
    return db


async def _commit(client: AsyncMongoClient[Document], outbox: Outbox, event: Pinged) -> None:
    """A transaction whose only write is ``event`` in ``outbox``."""

    async def register(session: AsyncClientSession) -> None:
        await outbox.add(event, session)

    await in_transaction(client, register)


async def test_event_written_with_state_change_is_published_and_marked(
    bus_harness: BusHarness, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    bus = await bus_harness.bus("consumer")
    recorder = Recorder()
    await bus.subscribe(recorder.subscription("consumer"))
    outbox = Outbox(db, producer="producer")

    async def register(session: AsyncClientSession) -> None:
        await db.things.insert_one({"_id": "thing-1"}, session=session)
        await outbox.add(Pinged(seq=1, note="secret link"), session)

    await in_transaction(mongo_client, register)
    relay = asyncio.create_task(outbox.relay_forever(await bus_harness.bus("producer"), 0.2))
    outbox.wake()
    try:
        await wait_until(lambda: recorder.seqs() == [1], what="the event to be consumed")
        await wait_until(lambda: _count_pending(outbox), what="the entry to be marked")
    finally:
        relay.cancel()
    entry = await db.outbox.find_one({})
    assert entry is not None
    assert entry["published_at"] is not None
    # What was published is not kept: events may carry links with tokens.
    assert "data" not in entry["envelope"]


async def _count_pending(outbox: Outbox) -> bool:
    return await outbox.pending_count() == 0


async def test_aborted_transaction_writes_neither_state_nor_event(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    outbox = Outbox(db, producer="producer")

    async def register_then_fail(session: AsyncClientSession) -> None:
        await db.things.insert_one({"_id": "thing-1"}, session=session)
        await outbox.add(Pinged(seq=1), session)
        raise ValueError("rule broken")

    with pytest.raises(ValueError, match="rule broken"):
        await in_transaction(mongo_client, register_then_fail)
    assert await db.things.count_documents({}) == 0
    assert await db.outbox.count_documents({}) == 0


async def test_entry_left_by_a_crash_is_published_by_the_next_process_once_its_lease_ran_out(
    bus_harness: BusHarness, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    # The first process commits and dies before its relay runs.
    crashed = Outbox(db, producer="producer", lease=timedelta(seconds=1))

    await _commit(mongo_client, crashed, Pinged(seq=7))

    bus = await bus_harness.bus("consumer")
    recorder = Recorder()
    await bus.subscribe(recorder.subscription("consumer"))
    restarted = Outbox(db, producer="producer")
    relay = asyncio.create_task(restarted.relay_forever(await bus_harness.bus("producer"), 0.1))
    try:
        # While the writer's lease holds, nobody else publishes its entry...
        await asyncio.sleep(0.5)
        assert recorder.seqs() == []
        # ...then the next sweep does.
        await wait_until(lambda: recorder.seqs() == [7], what="the orphan event to be published")
    finally:
        relay.cancel()


async def test_a_relay_kept_busy_still_sweeps_for_entries_it_could_not_publish(
    bus_harness: BusHarness, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    outbox = Outbox(db, producer="producer")
    publisher = await bus_harness.bus("producer")

    await _commit(mongo_client, outbox, Pinged(seq=4))
    # No consumer yet: refused by the broker, the entry waits for a later sweep.
    assert await outbox.relay_once(publisher) == 1
    recorder = Recorder()
    await (await bus_harness.bus("consumer")).subscribe(recorder.subscription("consumer"))

    relay = asyncio.create_task(outbox.relay_forever(publisher, 0.2))

    async def keep_waking() -> None:
        while True:
            outbox.wake()
            await asyncio.sleep(0.01)

    waker = asyncio.create_task(keep_waking())
    try:
        await wait_until(lambda: recorder.seqs() == [4], what="the postponed event")
    finally:
        waker.cancel()
        relay.cancel()


async def test_unroutable_event_waits_in_outbox_until_a_consumer_exists(
    bus_harness: BusHarness, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    outbox = Outbox(db, producer="producer")
    publisher = await bus_harness.bus("producer")

    await _commit(mongo_client, outbox, Pinged(seq=3))
    assert await outbox.relay_once(publisher) == 1
    entry = await db.outbox.find_one({})
    assert entry is not None
    assert entry["published_at"] is None
    assert entry["attempts"] == 1
    assert "UnroutableEventError" in entry["last_error"]

    recorder = Recorder()
    await (await bus_harness.bus("consumer")).subscribe(recorder.subscription("consumer"))
    await db.outbox.update_one({}, {"$set": {"available_at": entry["created_at"]}})
    assert await outbox.relay_once(publisher) == 1
    await wait_until(lambda: recorder.seqs() == [3], what="the delayed event")


async def test_published_entries_are_kept_a_week_then_purged_by_the_sweep(
    bus_harness: BusHarness, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    now = datetime.now(UTC)
    await db.outbox.insert_many(
        [
            {"_id": "old", "type": "t", "published_at": now - timedelta(days=8)},
            {"_id": "recent", "type": "t", "published_at": now - timedelta(days=6)},
        ]
    )
    outbox = Outbox(db, producer="producer")
    relay = asyncio.create_task(outbox.relay_forever(await bus_harness.bus("producer"), 0.1))

    async def purged() -> bool:
        return [doc["_id"] async for doc in db.outbox.find({})] == ["recent"]

    try:
        await wait_until(purged, what="the week-old entry to be purged")
    finally:
        relay.cancel()


async def test_event_handled_twice_has_one_effect(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    handled = HandledEvents(mongo_client, db)

    async def credit(session: AsyncClientSession) -> None:
        await db.balance.update_one(
            {"_id": "a"}, {"$inc": {"amount": 10}}, upsert=True, session=session
        )

    results = await asyncio.gather(*(handled.once("credit", "event-1", credit) for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]
    assert await handled.once("credit", "event-1", credit) is False
    assert await handled.once("credit", "event-2", credit) is True
    balance = await db.balance.find_one({"_id": "a"})
    assert balance is not None
    assert balance["amount"] == 20


async def test_failed_effect_leaves_event_unhandled_for_the_retry(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    handled = HandledEvents(mongo_client, db)

    async def crash(session: AsyncClientSession) -> None:
        await db.balance.insert_one({"_id": "b"}, session=session)
        raise ConnectionError("mail server gone")

    with pytest.raises(ConnectionError):
        await handled.once("credit", "event-9", crash)
    assert not await handled.seen("credit", "event-9")
    assert await db.balance.count_documents({}) == 0


@dataclass
class _Service:
    """What a typed handler needs of a service: its name and idempotent transactions."""

    name: str
    handled: HandledEvents

    async def once(
        self,
        handler: str,
        event_id: object,
        effect: Callable[[AsyncClientSession], Awaitable[None]],
    ) -> bool:
        return await self.handled.once(handler, event_id, effect)


async def test_typed_handler_gets_the_model_and_has_one_effect_per_event(
    mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = await _database(mongo_client, database_prefix)
    seen_after: list[int] = []

    async def count(event: Pinged, envelope: Envelope, session: AsyncClientSession) -> None:
        await db.pings.update_one(
            {"_id": event.seq}, {"$inc": {"times": 1}}, upsert=True, session=session
        )

    async def after(event: Pinged, envelope: Envelope) -> None:
        seen_after.append(event.seq)

    service = _Service("tests", HandledEvents(mongo_client, db))
    subscription = on(service, Pinged, "count", count, after=after)
    envelope = pinged(3)
    delivery = Delivery(envelope=envelope, event=subscription.open(envelope), attempt=1)
    for _ in range(2):  # a redelivery
        await subscription.handler(delivery)

    assert (subscription.service, subscription.name, subscription.event_type) == (
        "tests",
        "count",
        Pinged.type,
    )
    assert await db.pings.find_one({"_id": 3}) == {"_id": 3, "times": 1}
    assert seen_after == [3, 3]


async def test_a_lost_connection_while_marking_is_retried_so_nothing_goes_out_twice(
    bus_harness: BusHarness,
    mongo_url: str,
    mongo_client: AsyncMongoClient[Document],
    database_prefix: str,
) -> None:
    app_name = f"{database_prefix}relay"
    relay_client = connect(mongo_url, app_name=app_name)
    try:
        db = await _database(relay_client, database_prefix)
        outbox = Outbox(db, producer="producer")
        recorder = Recorder()
        await (await bus_harness.bus("consumer")).subscribe(recorder.subscription("consumer"))
        await _commit(relay_client, outbox, Pinged(seq=7))

        # The store drops the connection on the relay's update marking it published.
        async with failing_commands(
            mongo_client, app_name=app_name, commands=["update"], close_connection=True
        ):
            assert await outbox.relay_once(await bus_harness.bus("producer")) == 1
        await wait_until(lambda: recorder.seqs() == [7], what="the event")
        pending = await outbox.pending_count()
    finally:
        await relay_client.close()

    assert pending == 0
