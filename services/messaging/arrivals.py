"""Readers waiting for a conversation's next message (long polling of the messages API).

A reader asks for the messages after the last one it shows and may wait for one. A
message written by this process wakes its readers at once; one written by another
replica (or opened with a solicitation, inside an event's transaction) is found by a
single read of the waited conversations' numbers every ``recheck_seconds``, whatever
the number of readers. When the process stops, every reader is answered at once (with
what it has), so a stop does not wait out the longest wait.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field

# conversation ids -> their latest message number
LatestNumbers = Callable[[Iterable[str]], Awaitable[dict[str, int]]]


@dataclass(eq=False)
class _Reader:
    after: int
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


class Arrivals:
    """Who waits for which conversation, and waking them."""

    def __init__(self) -> None:
        self._readers: dict[str, set[_Reader]] = {}
        self._stopping = False

    @property
    def waited(self) -> list[str]:
        """The conversations someone is waiting on."""
        return list(self._readers)

    @contextlib.contextmanager
    def reader(self, conversation_id: str, after: int) -> Iterator[asyncio.Event]:
        """Register a reader of messages numbered above ``after``; its event is set
        when one may have arrived. Register before reading, so no post falls between."""
        reader = _Reader(after)
        if self._stopping:
            reader.arrived.set()
        self._readers.setdefault(conversation_id, set()).add(reader)
        try:
            yield reader.arrived
        finally:
            readers = self._readers.get(conversation_id)
            if readers is not None:
                readers.discard(reader)
                if not readers:
                    del self._readers[conversation_id]

    def posted(self, conversation_id: str, seq: int) -> None:
        """Message ``seq`` of the conversation is written (committed)."""
        for reader in self._readers.get(conversation_id, ()):
            if seq > reader.after:
                reader.arrived.set()

    def release_all(self) -> None:
        """The process stops: wake every reader, now and from now on."""
        self._stopping = True
        for readers in self._readers.values():
            for reader in readers:
                reader.arrived.set()

    async def recheck(self, latest: LatestNumbers) -> None:
        """Wake the readers of conversations that moved on elsewhere (one read)."""
        waited = self.waited
        if not waited:
            return
        for conversation_id, seq in (await latest(waited)).items():
            self.posted(conversation_id, seq)
