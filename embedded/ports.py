"""Free TCP ports for the local servers the embedded platform starts."""

from __future__ import annotations

import random
import socket
from collections import deque

# Ports above 1023 that browsers refuse to open (Chromium's and Firefox's restricted
# ports, against cross-protocol attacks): a site served on one is unreachable.
BROWSERS_REFUSE = frozenset(
    {1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6679, 6697, 10080}
    | set(range(6665, 6670))
)
# Where to look, when set (see :func:`search_in`); else the kernel picks a port.
_range: tuple[int, int] | None = None
# Ports given lately: one is not given twice before its caller had time to bind it.
_given: deque[int] = deque(maxlen=512)


def search_in(low: int, high: int) -> None:
    """Look for free ports between ``low`` and ``high`` from now on, in this process.

    Processes that start servers side by side (parallel test workers) each take their
    own range below the kernel's ephemeral ports: a port one of them chose cannot be
    taken by another, or by an outgoing connection, before it is bound.
    """
    global _range
    _range = (low, high)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now on ``host``.

    Another process may take it before the caller binds it; callers that start a
    server on it retry with a new port when the bind fails.
    """
    if _range is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            port: int = probe.getsockname()[1]
            return port
    for _ in range(1_000):
        candidate = random.randint(*_range)
        if candidate in _given or candidate in BROWSERS_REFUSE:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, candidate))
            except OSError:
                continue
        _given.append(candidate)
        return candidate
    raise OSError(f"no free port between {_range[0]} and {_range[1]}")
