"""A store server left behind by a platform that was killed, still holding its folder.

A platform killed with SIGKILL cannot stop its store. Linux sends the server SIGTERM
when the platform dies (see ``embedded.store``), and the server then stops by itself;
but its SIGTERM handler is not re-entrant, and a second signal during its stop was
seen to leave it stuck for good, holding the folder's lock so that the next start
fails. Each started store therefore records its server and its platform in the data
folder; the next start on that folder stops a server whose platform is gone. Killing
it loses nothing: what it committed is in WiredTiger's log, flushed to the system by
the engine's own threads within a fraction of a second, and replayed at the next start.

Linux only (``/proc``); elsewhere nothing is recorded and nothing is reclaimed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PID_FILE = "server.pid"
GONE_TIMEOUT = 10.0
POLL_SECONDS = 0.02


def record(folder: Path, server_pid: int) -> None:
    """Note that ``server_pid``, started by this process, serves ``folder``."""
    if sys.platform == "linux":
        (folder / PID_FILE).write_text(f"{server_pid} {os.getpid()}\n")


def forget(folder: Path) -> None:
    """The server of ``folder`` stopped normally."""
    (folder / PID_FILE).unlink(missing_ok=True)


async def reclaim(folder: Path, config: Path) -> None:
    """Kill the recorded server of ``folder`` if its platform is gone and it still runs.

    A server whose platform is alive is left alone: that platform still uses the
    folder, and the new start fails saying so.
    """
    server_pid, platform_pid = _recorded(folder)
    parent = _parent_of(server_pid) if server_pid else None
    if parent is not None and parent == platform_pid:
        return
    if parent is not None and _serves(server_pid, config):
        log.warning("a store server left by a killed platform still holds %s: stopping it", folder)
        with contextlib.suppress(ProcessLookupError):
            os.kill(server_pid, signal.SIGKILL)
        for _ in range(int(GONE_TIMEOUT / POLL_SECONDS)):
            if _parent_of(server_pid) is None:
                break
            await asyncio.sleep(POLL_SECONDS)
    forget(folder)


def _recorded(folder: Path) -> tuple[int, int]:
    """(server, platform) recorded for ``folder``; zeros when none."""
    try:
        server_pid, platform_pid = map(int, (folder / PID_FILE).read_text().split())
    except (OSError, ValueError):
        return 0, 0
    return server_pid, platform_pid


def _serves(pid: int, config: Path) -> bool:
    # The pid may have been reused since: only a server of this very folder is stopped.
    try:
        command = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return os.fsencode(config) in command


def _parent_of(pid: int) -> int | None:
    """Parent of a live process; None when it is gone or a zombie."""
    try:
        stat = (Path("/proc") / str(pid) / "stat").read_text()
    except OSError:
        return None
    state, parent = stat.rsplit(")", 1)[1].split()[:2]
    return None if state in ("Z", "X") else int(parent)
