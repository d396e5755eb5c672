"""What tracing costs per request and per log line, off (the default) and on.

Times, in microseconds per operation (median of ``--rounds``), the work tracing adds:

- ``span``: a span started and ended, no parent (a request without ``traceparent``);
- ``server span``: what the HTTP middleware does for a request carrying a
  ``traceparent``: extract it, start the server span, set the status, end it;
- ``carrier``: the current context as headers (outbox entry, message headers);
- ``log line``: one JSON log line through the platform's handler, outside a span and
  inside one (the trace and span ids looked up and written).

"off" is the default: spans with ids, sampled out, nothing recorded. "on" records
every span and hands it to a batch processor whose exporter discards it, so what is
measured is the process's own work, not the network's.

Run: ``python -m bench.tracing_overhead [--operations 50000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import time
from collections.abc import Callable, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from shared.logging import configure_logging
from shared.settings import Settings
from shared.tracing import (
    answered,
    configure_tracing,
    continued,
    current_carrier,
    serving,
    shutdown_tracing,
)

TRACEPARENT = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


class _Discard(SpanExporter):
    """Receives the batches and throws them away."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def _span() -> None:
    with continued(None, "work"):
        pass


def _server_span() -> None:
    with serving(
        TRACEPARENT, "POST", "/api/agenda/solicitations", "/api/agenda/solicitations"
    ) as s:
        answered(s, 201)


def _carrier() -> None:
    with continued(None, "work"):
        current_carrier()


def _timed(operation: Callable[[], None], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        operation()
    return (time.perf_counter() - started) / count * 1e6


def _median(operation: Callable[[], None], count: int, rounds: int) -> float:
    return statistics.median(_timed(operation, count) for _ in range(rounds))


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    count, rounds = args.operations, args.rounds

    logger = logging.getLogger("bench.tracing")
    configure_logging(Settings(log_json=True, log_level="INFO"), stream=io.StringIO())

    def line_outside() -> None:
        logger.info("event handled", extra={"event_type": "agenda.solicitation.created"})

    def line_inside() -> None:
        with continued(None, "work"):
            logger.info("event handled", extra={"event_type": "agenda.solicitation.created"})

    operations: list[tuple[str, Callable[[], None]]] = [
        ("span", _span),
        ("server span", _server_span),
        ("carrier", _carrier),
        ("log line, no span", line_outside),
        ("span + log line", line_inside),
    ]
    print(f"{count:,} operations × {rounds} rounds, median µs per operation")
    print(f"{'':<20} {'off':>8} {'on':>8}")
    off = {name: _median(operation, count, rounds) for name, operation in operations}
    # On: every span recorded and queued for a batch export (to nowhere).
    configure_tracing("bench", environ={}, exporter=_Discard(), batched=True)
    on = {name: _median(operation, count, rounds) for name, operation in operations}
    shutdown_tracing()
    for name, _ in operations:
        print(f"{name:<20} {off[name]:>8.1f} {on[name]:>8.1f}")


if __name__ == "__main__":
    main()
