"""A trace goes on from the change that wrote an event to every handler of it."""

from __future__ import annotations

import asyncio

from opentelemetry.trace import SpanKind
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession

from shared.bus import Delivery, Subscription
from shared.group_commit import GroupCommit
from shared.mongo import Document, ensure_indexes
from shared.outbox import OUTBOX_INDEXES, Outbox
from shared.tracing import continued, current_carrier, log_ids
from tests.bus.probes import Pinged, pinged
from tests.fixtures.rabbit import BusHarness, wait_until
from tests.fixtures.tracing import RecordedSpans, trace_id_of


class TracesSeen:
    """A handler noting the trace each delivery runs in; fails the first attempts."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.traces: dict[int, list[str]] = {}

    async def __call__(self, delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, Pinged)
        ids = log_ids()
        assert ids is not None, "a handler runs inside a span"
        self.traces.setdefault(event.seq, []).append(ids[0])
        if delivery.attempt <= self.failures:
            raise RuntimeError("not yet")

    def subscription(self, service: str) -> Subscription:
        return Subscription(service=service, name="on_pinged", model=Pinged, handler=self)


async def test_handler_and_its_retry_run_in_the_trace_the_event_was_written_in(
    bus_harness: BusHarness, recorded_spans: RecordedSpans
) -> None:
    handler = TracesSeen(failures=1)
    await (await bus_harness.bus("notifier")).subscribe(handler.subscription("notifier"))
    with continued(None, "POST /solicitations", kind=SpanKind.SERVER) as request:
        # What the outbox keeps with the entry, in the request's transaction.
        envelope = pinged(1).model_copy(update={"trace_context": current_carrier()})
    request_trace = format(request.get_span_context().trace_id, "032x")

    # Published later, from the relay's own task, as the outbox does.
    await (await bus_harness.bus("agenda")).publish(envelope)
    await wait_until(lambda: len(handler.traces.get(1, [])) == 2, what="the retried delivery")

    assert handler.traces[1] == [request_trace, request_trace]
    [send] = recorded_spans.named(f"send {Pinged.type}")
    processing = recorded_spans.named(f"process {Pinged.type}")
    assert len(processing) == 2
    assert send.parent is not None
    assert send.parent.span_id == request.get_span_context().span_id
    assert send.context is not None
    for span in processing:
        assert trace_id_of(span) == request_trace
        assert span.parent is not None
        assert span.parent.span_id == send.context.span_id


async def test_requests_committed_together_keep_each_their_own_trace(
    bus_harness: BusHarness, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    db = mongo_client[f"{database_prefix}traced"]
    await ensure_indexes(db, OUTBOX_INDEXES)
    outbox = Outbox(db, producer="agenda")
    commits = GroupCommit(mongo_client)
    handler = TracesSeen()
    await (await bus_harness.bus("notifier")).subscribe(handler.subscription("notifier"))

    async def request(seq: int) -> str:
        with continued(None, f"request {seq}", kind=SpanKind.SERVER) as span:

            async def work(session: AsyncClientSession) -> None:
                await outbox.add(Pinged(seq=seq), session)

            await commits.run(work)
            return format(span.get_span_context().trace_id, "032x")

    # Concurrent requests: the first one's task writes the others' units in its group.
    request_traces = await asyncio.gather(*(request(seq) for seq in range(6)))
    relay = asyncio.create_task(outbox.relay_forever(await bus_harness.bus("agenda"), 0.2))
    outbox.wake()
    try:
        await wait_until(lambda: len(handler.traces) == 6, what="the six events")
    finally:
        relay.cancel()

    assert len(set(request_traces)) == 6
    for seq, trace in enumerate(request_traces):
        assert handler.traces[seq] == [trace]
