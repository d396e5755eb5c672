"""Traces through HTTP: a request's log lines name the trace its caller started."""

from __future__ import annotations

import logging
import re

from opentelemetry.trace import SpanKind

from shared.tracing import continued
from tests.fixtures.tracing import RecordedSpans, trace_id_of
from tests.http.conftest import LogLines, Served, Tokens

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN_ID}-01"
TRACE_ID_SHAPE = re.compile(r"^[0-9a-f]{32}$")


async def test_every_line_of_a_request_carries_the_trace_its_caller_started(
    served: Served, tokens: Tokens, log_lines: LogLines
) -> None:
    await served.client.get(
        served.url("/me"),
        headers={"Authorization": f"Bearer {tokens.for_role('admin')}", "traceparent": TRACEPARENT},
    )

    records = log_lines.records()
    handler_line = next(record for record in records if record["message"] == "who am I")
    access_line = next(record for record in records if record["logger"] == "aiohttp.access")
    for line in (handler_line, access_line):
        assert line["trace_id"] == TRACE_ID
        # The service's own span, child of the caller's: the same one on both lines.
        assert line["span_id"] == handler_line["span_id"] != CALLER_SPAN_ID


async def test_a_request_without_traceparent_starts_a_trace_of_its_own(
    served: Served, log_lines: LogLines
) -> None:
    await served.client.get(served.url("/items?limit=0"))
    await served.client.get(served.url("/items?limit=0"))

    traces = [
        record["trace_id"] for record in log_lines.records() if record["logger"] == "aiohttp.access"
    ]
    assert len(traces) == 2
    assert all(TRACE_ID_SHAPE.match(trace) and set(trace) != {"0"} for trace in traces)
    assert traces[0] != traces[1]


async def test_a_malformed_traceparent_starts_a_new_trace_and_is_no_error(
    served: Served, log_lines: LogLines
) -> None:
    response = await served.client.get(
        served.url("/items/999"), headers={"traceparent": "00-not-a-trace-01"}
    )

    assert response.status == 404
    access = next(r for r in log_lines.records() if r["logger"] == "aiohttp.access")
    assert TRACE_ID_SHAPE.match(access["trace_id"])


def test_only_lines_written_inside_a_span_carry_trace_ids(log_lines: LogLines) -> None:
    logger = logging.getLogger("tests.tracing")
    logger.info("before any span")
    with continued(None, "some work") as span:
        logger.info("inside the span")
        inside = span.get_span_context()
    logger.info("after the span")

    before, during, after = log_lines.records()
    assert "trace_id" not in before
    assert "trace_id" not in after
    assert during["trace_id"] == format(inside.trace_id, "032x")
    assert during["span_id"] == format(inside.span_id, "016x")


async def test_one_server_span_per_request_even_through_a_mounted_service(
    served: Served, recorded_spans: RecordedSpans
) -> None:
    response = await served.client.get(
        served.url("/items/999"), headers={"traceparent": TRACEPARENT}
    )

    assert response.status == 404
    [server] = [span for span in recorded_spans.all() if span.kind == SpanKind.SERVER]
    # Named after the route, never the identifier in the path.
    assert server.name == f"GET {served.url('/items/{item_id}')}"
    assert trace_id_of(server) == TRACE_ID
    assert server.parent is not None
    assert format(server.parent.span_id, "016x") == CALLER_SPAN_ID
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 404
