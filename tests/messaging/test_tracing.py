"""Messages posted together are written together, yet each email keeps its poster's trace."""

from __future__ import annotations

import asyncio
import secrets

from tests.fixtures.rabbit import wait_until
from tests.fixtures.tracing import RecordedSpans, trace_id_of
from tests.messaging.test_conversations_api import OpenRelay, lea_asks_karim


async def test_each_relayed_email_is_sent_in_the_trace_of_the_request_that_posted_it(
    open_relay: OpenRelay, recorded_spans: RecordedSpans
) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        url = relay.run.url(f"/api/messaging/conversations/{conversation['id']}/messages")
        traces = [secrets.token_hex(16) for _ in range(6)]

        async def post(trace_id: str, n: int) -> int:
            who = (lea, karim)[n % 2]
            headers = {
                "Authorization": f"Bearer {who.token}",
                "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
            }
            async with relay.run.http.post(
                url, json={"body": f"Message {n}"}, headers=headers
            ) as response:
                return response.status

        # At once: the posts share batches, and so transactions.
        statuses = await asyncio.gather(*(post(t, n) for n, t in enumerate(traces)))
        assert statuses == [201] * 6

        def relayed_traces() -> list[str]:
            return [
                trace_id_of(span)
                for span in recorded_spans.named("smtp send")
                if span.attributes and span.attributes["email.template"] == "relayed_message"
            ]

        def ours() -> list[str]:
            # Not the conversation's first message (the solicitation's own trace).
            return [trace for trace in relayed_traces() if trace in traces]

        await wait_until(lambda: len(ours()) >= 6, what="the six relayed emails")
        await relay.settle()

    # One email per post, each in its poster's trace (none in another's).
    assert sorted(ours()) == sorted(traces)
