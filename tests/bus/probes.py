"""Probe events and a recording handler for the bus tests."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from shared.bus import Delivery, Subscription
from shared.events import Envelope, Event


class Pinged(Event):
    """A probe: something happened, numbered by the test."""

    type: ClassVar[str] = "tests.probe.pinged"

    seq: int
    note: str = ""


class Unheard(Event):
    """A probe nobody subscribes to."""

    type: ClassVar[str] = "tests.probe.unheard"


def pinged(seq: int, note: str = "") -> Envelope:
    """A new envelope carrying ``Pinged(seq)``."""
    return Envelope.wrap(Pinged(seq=seq, note=note), producer="tests")


@dataclass(frozen=True)
class Seen:
    """One call of a recording handler."""

    delivery: Delivery
    at: float  # time.monotonic() when the handler started

    @property
    def seq(self) -> int:
        """The probe's number."""
        event = self.delivery.event
        assert isinstance(event, Pinged)
        return event.seq


@dataclass
class Recorder:
    """A handler that remembers every call, and can be told to fail or to block.

    ``fail_when`` decides from the delivery whether the call raises; ``gate``, when
    set, makes every call wait until the test opens it.
    """

    fail_when: Callable[[Delivery], bool] = field(default=lambda _delivery: False)
    gate: asyncio.Event | None = None
    seen: list[Seen] = field(default_factory=list)
    finished: list[Seen] = field(default_factory=list)

    async def __call__(self, delivery: Delivery) -> None:
        record = Seen(delivery, time.monotonic())
        self.seen.append(record)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_when(delivery):
            raise RuntimeError(f"handler refused event {delivery.envelope.id}")
        self.finished.append(record)

    def subscription(self, service: str, name: str = "on_pinged") -> Subscription:
        """A subscription of ``service`` to ``Pinged`` handled by this recorder."""
        return Subscription(service=service, name=name, model=Pinged, handler=self)

    def seqs(self) -> list[int]:
        """Numbers of the probes handled successfully, in order."""
        return [record.seq for record in self.finished]

    def calls_for(self, seq: int) -> list[Seen]:
        """Every call (successful or not) for probe ``seq``."""
        return [record for record in self.seen if record.seq == seq]

    def counts(self) -> Counter[int]:
        """How many times each probe was handled successfully."""
        return Counter(self.seqs())
