"""A robust AMQP connection to a RabbitMQ cluster given as a list of its nodes.

aio-pika's ``connect_robust`` takes one URL and, once connected, reconnects to that
same node forever: when the node is stopped for good, the process waits for it. A
cluster is reached through any of its nodes (each serves every queue, quorum queues
being replicated), so :class:`FailoverConnection` sends each new connection attempt,
the reconnections included, to the next node of the list, round-robin: a node that
went away is left at once for the next one, and a node that fails its attempt too.
Channels, queues and consumers are then restored by aio-pika as after any
reconnection.

``AMQP_URL`` holds the list, comma-separated (:func:`node_urls`); one URL is a list
of one, and then nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aio_pika.abc import UnderlayConnection
from aio_pika.robust_connection import RobustConnection
from yarl import URL


def node_urls(amqp_url: str) -> list[URL]:
    """The URLs of ``AMQP_URL``: one per node, comma-separated (a comma inside a
    password is written ``%2C``)."""
    urls = [URL(part.strip()) for part in amqp_url.split(",") if part.strip()]
    if not urls:
        raise ValueError("AMQP_URL names no node")
    for url in urls:
        if url.scheme not in {"amqp", "amqps"} or not url.host:
            raise ValueError(f"not an AMQP URL: {url.with_password(None)}")
    return urls


def where(url: URL) -> str:
    """``host:port/vhost`` of a node's URL, never its credentials."""
    default = 5671 if url.scheme == "amqps" else 5672
    address = f"{url.host}:{url.port or default}"
    vhost = url.path[1:]
    return f"{address}/{vhost}" if vhost else address


class FailoverConnection(RobustConnection):
    """A robust connection whose every attempt goes to the next node of ``urls``.

    ``first`` is the index of the node the first attempt goes to.
    """

    def __init__(self, urls: Sequence[URL], *, first: int = 0, **kwargs: Any) -> None:
        if not urls:
            raise ValueError("FailoverConnection needs at least one URL")
        # Empty while aio-pika's own constructor runs (it clears the transport too).
        self._nodes: tuple[URL, ...] = ()
        self._turn = first % len(urls)
        self._underlay: UnderlayConnection | None = None
        super().__init__(urls[self._turn], **kwargs)
        self._nodes = tuple(urls)

    # aio-pika's RobustConnection clears ``transport`` right before each connection
    # attempt, the first and every reconnection (``__connect_transport``, the same in
    # 9.4 and 10.x), then connects to ``self.url``: that is where the next node is
    # chosen. ``close`` clears it too, where the choice no longer matters.
    @property
    def transport(self) -> UnderlayConnection | None:
        """The live AMQP connection, if any (aio-pika's attribute)."""
        return self._underlay

    @transport.setter
    def transport(self, value: UnderlayConnection | None) -> None:
        if value is None and self._nodes:
            self.url = self._nodes[self._turn]
            self._turn = (self._turn + 1) % len(self._nodes)
        self._underlay = value

    @property
    def nodes(self) -> tuple[URL, ...]:
        """Every node's URL, in the order they are tried."""
        return self._nodes


async def connect_failover(
    urls: Sequence[URL], *, first: int = 0, connect_timeout: float | None = None, **kwargs: Any
) -> FailoverConnection:
    """Connect to ``urls[first]`` (failing fast if it does not answer), then keep the
    connection up across the nodes."""
    connection = FailoverConnection(urls, first=first, **kwargs)
    await connection.connect(timeout=connect_timeout)
    return connection
