"""The people's inboxes for the benchmarks: aiosmtpd in a child process (the second
core), stamping each message it accepts with CLOCK_MONOTONIC, which Linux shares
between processes, so the benchmark's clock and the sink's agree."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import Callable

SINK = """
import asyncio, sys, time
from aiosmtpd.smtp import SMTP

class Stamp:
    async def handle_DATA(self, server, session, envelope):
        sys.stdout.write(" ".join([str(time.monotonic()), *envelope.rcpt_tos]) + "\\n")
        sys.stdout.flush()
        return "250 Message accepted for delivery"

async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Stamp()), "127.0.0.1", 0)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    # Ends with the benchmark: its end of the pipe closes, even if it was killed.
    await loop.run_in_executor(None, sys.stdin.read)

asyncio.run(main())
"""


class SmtpSink:
    """An SMTP server in another process that reports when each message was accepted."""

    def __init__(self) -> None:
        self.port = 0
        # When each message was accepted, in order; and the first time per recipient.
        self.accepted: list[float] = []
        self.accepted_for: dict[str, float] = {}
        # How many messages each recipient got (duplicates show here).
        self.counts: Counter[str] = Counter()
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        """Start the server; its port is then in :attr:`port`."""
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            SINK,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._process.stdout is not None
        self.port = int((await self._process.stdout.readline()).decode().split()[1])
        self._reader = asyncio.create_task(self._read())

    def clear(self) -> None:
        """Forget what was accepted so far (a new round)."""
        self.accepted.clear()
        self.accepted_for.clear()
        self.counts.clear()

    async def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        while line := await self._process.stdout.readline():
            stamp, *recipients = line.decode().split()
            self.accepted.append(float(stamp))
            for recipient in recipients:
                self.accepted_for.setdefault(recipient, float(stamp))
                self.counts[recipient] += 1
            self._changed.set()

    async def wait_for(self, count: int, within: float) -> float:
        """Monotonic time at which the ``count``-th message was accepted."""
        await self._wait(lambda: len(self.accepted) >= count, within, f"{count} emails")
        return self.accepted[count - 1]

    async def wait_for_recipients(self, recipients: set[str], within: float) -> None:
        """Return once every one of ``recipients`` got a message."""
        await self._wait(
            lambda: recipients <= self.accepted_for.keys(),
            within,
            f"emails to {len(recipients)} recipients",
        )

    async def _wait(self, done: Callable[[], bool], within: float, what: str) -> None:
        deadline = time.monotonic() + within
        while not done():
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what} not accepted after {within:g} s")
            try:
                async with asyncio.timeout(remaining):
                    await self._changed.wait()
            except TimeoutError:
                continue

    async def stop(self) -> None:
        """Stop the server."""
        if self._reader is not None:
            self._reader.cancel()
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            await self._process.wait()

    async def __aenter__(self) -> SmtpSink:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
