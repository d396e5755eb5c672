"""Rate-limit decisions: how long to slow an attempt down, when to refuse it.

Counting happens in MongoDB (several replicas share the counts); this module only
says what the counts mean, and which client address to count.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    """From ``slow_after`` failures attempts wait; from ``lock_after`` they are refused."""

    slow_after: int
    lock_after: int
    max_delay_seconds: float

    def delay(self, failures: int) -> float:
        """Seconds an attempt waits after ``failures`` failures in the window."""
        if failures == 0 or failures < self.slow_after:
            return 0.0
        return min(self.max_delay_seconds, float(failures - self.slow_after + 1))

    def locked(self, failures: int) -> bool:
        """Whether attempts are refused for the rest of the window."""
        return failures >= self.lock_after


def window_start(now_seconds: float, window_seconds: int) -> int:
    """Start (epoch seconds) of the fixed window containing ``now_seconds``."""
    return int(now_seconds // window_seconds) * window_seconds


def retry_after(now_seconds: float, window_seconds: int) -> int:
    """Seconds until the current window ends (at least one)."""
    end = window_start(now_seconds, window_seconds) + window_seconds
    return max(1, int(end - now_seconds + 0.999))


def client_address(
    peer: str | None, forwarded_for: str | None, trusted_proxies: Sequence[str]
) -> str:
    """The address to count: the peer, or the one the trusted gateway saw.

    ``X-Forwarded-For`` is believed only from a trusted proxy, and read from the right:
    the first address that is not one of our proxies is the client (anything left of
    it was written by the client and may be forged).
    """
    address = peer or "unknown"
    networks = _networks(tuple(trusted_proxies))
    if not forwarded_for or not _within(address, networks):
        return address
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # a malformed header: count the proxy, not a made-up value
        if not _within(hop, networks):
            return hop
    return address


@functools.lru_cache(maxsize=8)
def _networks(
    trusted: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The trusted proxies as networks (a single address is a network of one)."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in trusted)


def _within(
    address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)
