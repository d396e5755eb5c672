"""The RabbitMQ bus, with aio-pika.

Topology, all names under ``Settings.bus_prefix`` (``p``):

- ``p.events``: durable topic exchange; routing key = event type.
- one quorum queue per subscription (``Subscription.queue_name``), bound to
  ``p.events`` with its event type, with a delivery limit and at-least-once
  dead-lettering to ``p.parking`` (routing key = the queue's name);
- ``p.parking``: direct exchange; ``<queue>.parking`` is the quorum parking queue;
- delayed retries: one wait queue per delay step, ``p.wait.<ms>``, shared by every
  subscription, with a fixed ``x-message-ttl``. RabbitMQ 3.10 has no delayed-message
  plugin, and per-message TTLs in one queue expire only at its head (a short delay
  waits behind a long one), hence one queue per step. A retry is published to the
  topic exchange ``p.wait`` with routing key ``<ms>.<queue>``; the wait queue is bound
  with ``<ms>.#`` and dead-letters the expired copy, routing key kept, to the topic
  exchange ``p.requeue``, where each subscription queue is bound with ``*.<queue>``:
  the copy comes back to its own queue only. The wait queues are quorum queues
  (3.10 supports message TTL on them, checked on 3.10.8) so that at-least-once
  dead-lettering applies to them too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustChannel,
    AbstractRobustConnection,
    AbstractRobustQueue,
    ConsumerTag,
    HeadersType,
)
from aio_pika.exceptions import AMQPError, DeliveryError, PublishError, QueueEmpty

from shared.bus.base import (
    Bus,
    BusUnavailableError,
    ParkedMessage,
    Subscription,
    UnroutableEventError,
)
from shared.bus.dispatch import (
    attempt_from_headers,
    deliver,
    parking_details,
    parking_headers,
    retry_headers,
)
from shared.bus.failover import FailoverConnection, connect_failover, node_urls, where
from shared.events import Envelope
from shared.metrics import event_published
from shared.settings import Settings
from shared.tracing import carrier_of, publishing

log = logging.getLogger("shared.bus")

_PERSISTENT = aio_pika.DeliveryMode.PERSISTENT
_JSON = "application/json"
# Errors after which a publish is worth trying again once the connection is back.
# RuntimeError covers aiormq's ChannelInvalidStateError (a channel closed under us).
_TRANSIENT = (AMQPError, ConnectionError, RuntimeError)
# Refusals in a row after which the publishing channel is replaced, and how long
# at least between two such renewals.
REFUSALS_BEFORE_RENEWAL = 8
CHANNEL_RENEWAL_SECONDS = 5.0


@dataclass
class _Consumer:
    subscription: Subscription
    channel: AbstractRobustChannel
    queue: AbstractRobustQueue
    tag: ConsumerTag


class RabbitBus(Bus):
    """The bus over RabbitMQ: publisher confirms, quorum queues, delayed retries.

    ``service`` names the connection in the broker's tools. ``publish_deadline``
    bounds how long a publish (and ``start``) keeps trying while the broker is
    unreachable before raising :class:`BusUnavailableError`; ``reconnect_interval``
    is the pause between reconnection attempts; ``close_timeout`` how long ``close``
    lets running handlers finish; ``settle_timeout`` how long a retried or parked
    copy may take to be confirmed before the original is requeued instead.
    """

    def __init__(
        self,
        settings: Settings,
        service: str,
        *,
        publish_deadline: float = 30.0,
        reconnect_interval: float = 1.0,
        close_timeout: float = 10.0,
        settle_timeout: float = 10.0,
    ) -> None:
        if not settings.amqp_url:
            raise ValueError("RabbitBus needs settings.amqp_url")
        # One URL per node of the cluster: each connection attempt goes to the next.
        self._urls = node_urls(settings.amqp_url)
        self._service = service
        self._prefix = settings.bus_prefix
        self._delays = list(settings.bus_retry_delays)
        self._prefetch = settings.bus_prefetch
        self._publish_deadline = publish_deadline
        self._reconnect_interval = reconnect_interval
        self._close_timeout = close_timeout
        self._settle_timeout = settle_timeout
        self._connection: FailoverConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._events: AbstractExchange | None = None
        self._wait: AbstractExchange | None = None
        self._parking: AbstractExchange | None = None
        self._consumers: list[_Consumer] = []
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._reconnects = 0
        # Whether the current loss of the connection was logged (once per loss).
        self._loss_logged = False
        # Refusals (nacks) since the last confirmed publish, and when the publishing
        # channel was last replaced because of them (see _after_refusal).
        self._refusals = 0
        self._channel_renewed_at = -CHANNEL_RENEWAL_SECONDS

    # -- names ---------------------------------------------------------------------

    @property
    def events_exchange(self) -> str:
        """Name of the exchange every event is published to."""
        return f"{self._prefix}.events"

    def _name(self, suffix: str) -> str:
        return f"{self._prefix}.{suffix}"

    @staticmethod
    def _ms(delay: float) -> int:
        return max(round(delay * 1000), 0)

    def parking_queue_name(self, subscription: Subscription) -> str:
        """Name of the queue holding ``subscription``'s parked messages."""
        return f"{subscription.queue_name(self._prefix)}.parking"

    # -- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        """Connect (retrying until the publish deadline) and declare the shared topology."""
        self._connection = await self._connect()
        self._connection.close_callbacks.add(self._on_connection_lost)
        self._connection.reconnect_callbacks.add(self._on_reconnected)
        try:
            await self._declare_shared_topology(self._connection)
        except BaseException:
            # A topology the broker refuses (arguments changed under an existing
            # name…) is a deployment error: do not leave the connection behind.
            await self._connection.close()
            self._connection = None
            raise

    async def _declare_shared_topology(self, connection: AbstractRobustConnection) -> None:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._channel = channel
        topic, direct = aio_pika.ExchangeType.TOPIC, aio_pika.ExchangeType.DIRECT
        self._events = await channel.declare_exchange(self.events_exchange, topic, durable=True)
        self._wait = await channel.declare_exchange(self._name("wait"), topic, durable=True)
        await channel.declare_exchange(self._name("requeue"), topic, durable=True)
        self._parking = await channel.declare_exchange(self._name("parking"), direct, durable=True)
        for ms in sorted({self._ms(delay) for delay in self._delays}):
            queue = await channel.declare_queue(
                self._name(f"wait.{ms}"),
                durable=True,
                arguments={
                    "x-queue-type": "quorum",
                    "x-message-ttl": ms,
                    "x-dead-letter-exchange": self._name("requeue"),
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
            )
            await queue.bind(self._wait, f"{ms}.#")

    async def _connect(self) -> FailoverConnection:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._publish_deadline
        backoff = 0.1
        attempt = 0
        while True:
            remaining = deadline - loop.time()
            # Each attempt at start-up tries the next node; a whole round of the
            # list fails before the pause grows.
            node = self._urls[attempt % len(self._urls)]
            try:
                return await connect_failover(
                    self._urls,
                    first=attempt,
                    connect_timeout=max(min(remaining, 10.0), 0.1),
                    reconnect_interval=self._reconnect_interval,
                    client_properties={"connection_name": f"{self._service}@{self._prefix}"},
                )
            except (AMQPError, OSError) as exc:
                # TimeoutError is an OSError: an unanswered connect counts as a failure.
                attempt += 1
                if loop.time() + backoff >= deadline:
                    raise BusUnavailableError(
                        f"RabbitMQ at {self._every_node()} unreachable: {type(exc).__name__}"
                    ) from exc
                log.warning(
                    "broker unreachable, retrying",
                    extra={"broker": where(node), "error": type(exc).__name__},
                )
                if attempt % len(self._urls) == 0:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 2.0)

    async def close(self) -> None:
        """Cancel the consumers, let in-flight handlers finish (bounded), disconnect."""
        reachable = self.connected
        self._closing = True
        if reachable:
            # Disconnected, there is no consumer to cancel: closing the connection
            # below also stops it from being restored. Cancelled together, so a broken
            # channel costs one timeout, not one per consumer.
            await asyncio.gather(*(self._cancel(consumer) for consumer in self._consumers))
        self._consumers.clear()
        if self._in_flight:
            # Handlers still running after the wait are cancelled with the channel:
            # their messages were not acked, so the broker delivers them again.
            await asyncio.wait(set(self._in_flight), timeout=self._close_timeout)
        if self._connection is not None:
            await self._connection.close()
        self._connection = None
        self._channel = None

    @staticmethod
    async def _cancel(consumer: _Consumer) -> None:
        try:
            await asyncio.wait_for(consumer.queue.cancel(consumer.tag), 5.0)
        except (TimeoutError, *_TRANSIENT):
            log.debug("consumer cancel failed", exc_info=True)

    def _on_connection_lost(self, _sender: AbstractConnection | None, exc: object) -> None:
        if self._closing:
            return
        # The one line of a lost connection (aio-pika's own are lowered to DEBUG by
        # ``shared.broker_logs``): its cause, as the client library saw it. Attempts
        # that fail again before it is restored are not news.
        cause = f"{type(exc).__name__}: {exc}" if exc is not None else "closed"
        level = logging.DEBUG if self._loss_logged else logging.WARNING
        self._loss_logged = True
        log.log(
            level,
            "broker connection lost, reconnecting: %s",
            cause[:300],
            extra={"broker": self._where(), "error": type(exc).__name__},
        )

    def _on_reconnected(self, _sender: AbstractConnection | None) -> None:
        self._reconnects += 1
        self._loss_logged = False
        log.info("broker connection restored", extra={"broker": self._where()})

    # -- publishing ----------------------------------------------------------------

    async def publish(self, envelope: Envelope) -> None:
        """Publish with a confirm; retries while reconnecting, up to the deadline."""
        self._check_open()
        deadline = asyncio.get_running_loop().time() + self._publish_deadline
        try:
            async with asyncio.timeout_at(deadline):
                await self._publish(envelope, deadline)
        except TimeoutError as exc:
            raise self._unavailable() from exc

    async def publish_many(self, envelopes: Sequence[Envelope]) -> list[BaseException | None]:
        """Publish several events with their confirms in flight together.

        One deadline for the batch: a single timer instead of one per event.
        """
        self._check_open()
        deadline = asyncio.get_running_loop().time() + self._publish_deadline
        tasks = [asyncio.create_task(self._publish(envelope, deadline)) for envelope in envelopes]
        if not tasks:
            return []
        try:
            _done, pending = await asyncio.wait(tasks, timeout=self._publish_deadline)
        finally:
            # Also when the caller is cancelled: no publish outlives the call.
            for task in tasks:
                task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        return [
            self._unavailable() if task in pending or task.cancelled() else task.exception()
            for task in tasks
        ]

    def _check_open(self) -> None:
        if self._events is None or self._closing:
            raise BusUnavailableError("bus not started or closed")

    def _unavailable(self) -> BusUnavailableError:
        return BusUnavailableError(f"event not confirmed within {self._publish_deadline:g} s")

    async def _publish(self, envelope: Envelope, deadline: float) -> None:
        # The caller bounds this with the deadline (a robust channel waits for the
        # connection to come back); here, only the retries.
        assert self._events is not None
        with publishing(envelope, system="rabbitmq") as trace_context:
            headers: HeadersType = dict(trace_context)
            message = aio_pika.Message(
                envelope.to_bytes(),
                headers=headers,
                delivery_mode=_PERSISTENT,
                message_id=str(envelope.id),
                type=envelope.type,
                content_type=_JSON,
                correlation_id=envelope.correlation_id,
            )
            loop = asyncio.get_running_loop()
            backoff = 0.05
            while True:
                try:
                    await self._events.publish(message, envelope.type, mandatory=True)
                    self._refusals = 0
                    event_published(envelope.producer, envelope.type)
                    return
                except PublishError:
                    raise UnroutableEventError(f"no queue bound for {envelope.type}") from None
                except asyncio.CancelledError as exc:
                    # A channel closing under a publish cancels its confirmation future;
                    # only a cancellation of this task itself (the deadline) propagates.
                    task = asyncio.current_task()
                    if task is None or task.cancelling():
                        raise
                    error: BaseException = exc
                except DeliveryError as exc:
                    # A nack: the broker refused it for now.
                    error = exc
                    await self._after_refusal()
                except _TRANSIENT as exc:
                    error = exc
                if loop.time() + backoff >= deadline:
                    raise self._unavailable() from error
                log.info(
                    "publish failed, retrying",
                    extra={**envelope.describe(), "error": type(error).__name__},
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 1.0)

    async def _after_refusal(self) -> None:
        """Publish on a new channel once the broker keeps refusing on this one.

        After a cluster node is killed (not stopped), RabbitMQ 3.10 can go on refusing
        every publish of a channel towards a quorum queue whose leader was on that
        node, long after another member took over; a channel opened afterwards
        publishes at once. So: after a run of refusals, a new channel (at most one
        every few seconds, whatever the number of publishes waiting), the old one
        closed only once the new one is ready, so that publishing always has one.
        """
        self._refusals += 1
        now = asyncio.get_running_loop().time()
        if (
            self._refusals < REFUSALS_BEFORE_RENEWAL
            or now - self._channel_renewed_at < CHANNEL_RENEWAL_SECONDS
            or self._channel is None
            or self._connection is None
        ):
            return
        self._channel_renewed_at = now
        self._refusals = 0
        log.warning(
            "the broker keeps refusing publishes on this channel: publishing on a new one",
            extra={"broker": self._where()},
        )
        refusing = self._channel
        try:
            async with asyncio.timeout(self._close_timeout):
                await self._declare_shared_topology(self._connection)
        except (*_TRANSIENT, TimeoutError):
            # The connection going, most likely: its restoration brings channels back.
            log.info("publishing channel not renewed", exc_info=True)
            return
        # Publishes waiting for a confirm on it are cancelled, then sent again.
        with contextlib.suppress(*_TRANSIENT, TimeoutError):
            async with asyncio.timeout(self._close_timeout):
                await refusing.close()

    # -- consuming -----------------------------------------------------------------

    async def subscribe(self, subscription: Subscription) -> None:
        """Declare the subscription's queues and bindings, then consume."""
        if self._connection is None or self._channel is None or self._parking is None:
            raise BusUnavailableError("bus not started")
        name = subscription.queue_name(self._prefix)
        parking = await self._channel.declare_queue(
            self.parking_queue_name(subscription),
            durable=True,
            arguments={"x-queue-type": "quorum"},
        )
        await parking.bind(self._parking, name)
        # Each subscription consumes on its own channel: a slow handler or a channel
        # error never stalls publishing or the other subscriptions.
        channel = await self._connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=subscription.prefetch_or(self._prefetch))
        queue = await channel.declare_queue(
            name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                # Bounds crash loops (a handler that kills its process before the ack);
                # normal retries are new messages and do not count.
                "x-delivery-limit": len(self._delays) + 3,
                "x-dead-letter-exchange": self._name("parking"),
                "x-dead-letter-routing-key": name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        await queue.bind(self.events_exchange, subscription.event_type)
        await queue.bind(self._name("requeue"), f"*.{name}")

        in_flight = self._in_flight

        async def on_message(message: AbstractIncomingMessage) -> None:
            # A plain coroutine function (not a partial): aio-pika inspects the
            # callback on every delivery, and a partial costs more to inspect.
            task = asyncio.current_task()
            assert task is not None
            in_flight.add(task)
            try:
                await self._handle(subscription, name, message)
            finally:
                in_flight.discard(task)

        tag = await queue.consume(on_message)
        self._consumers.append(_Consumer(subscription, channel, queue, tag))

    async def _handle(
        self, subscription: Subscription, queue: str, message: AbstractIncomingMessage
    ) -> None:
        attempt = attempt_from_headers(message.headers)

        async def park(reason: str) -> None:
            await self._park(message, queue, reason)

        async def retry(delay: float, exc: BaseException) -> None:
            await self._retry(message, queue, delay, retry_headers(attempt + 1, exc))

        handled = await deliver(
            message.body,
            message.headers,
            subscription,
            attempt=attempt,
            redelivered=bool(message.redelivered),
            delays=self._delays,
            queue=queue,
            system="rabbitmq",
            park=park,
            retry=retry,
        )
        if handled:
            await self._ack(message)

    async def _retry(
        self,
        message: AbstractIncomingMessage,
        queue: str,
        delay: float,
        headers: dict[str, Any],
    ) -> None:
        assert self._wait is not None
        await self._settle(message, self._wait, f"{self._ms(delay)}.{queue}", headers)

    async def _park(self, message: AbstractIncomingMessage, queue: str, reason: str) -> None:
        assert self._parking is not None
        attempt = attempt_from_headers(message.headers)
        headers = parking_headers(attempt, reason, queue, datetime.now(UTC))
        await self._settle(message, self._parking, queue, headers)

    async def _settle(
        self,
        message: AbstractIncomingMessage,
        exchange: AbstractExchange,
        routing_key: str,
        headers: dict[str, Any],
    ) -> None:
        """Publish the retry or parked copy, then ack; without a confirm, requeue."""
        copy = aio_pika.Message(
            message.body,
            # The retried or parked copy stays in the trace of the original.
            headers={**carrier_of(message.headers), **headers},
            delivery_mode=_PERSISTENT,
            message_id=message.message_id,
            type=message.type,
            content_type=message.content_type,
            correlation_id=message.correlation_id,
        )
        try:
            # One attempt: if the connection is gone, the original cannot be acked
            # either and comes back by itself.
            async with asyncio.timeout(self._settle_timeout):
                await exchange.publish(copy, routing_key, mandatory=True)
        except (TimeoutError, asyncio.CancelledError, *_TRANSIENT):
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            log.warning(
                "could not set the message aside; it will be delivered again",
                extra={"queue": routing_key, "message_id": message.message_id},
                exc_info=True,
            )
            await self._requeue(message)
            return
        await self._ack(message)

    @staticmethod
    async def _ack(message: AbstractIncomingMessage) -> None:
        try:
            await message.ack()
        except _TRANSIENT:
            # The channel died: the broker delivers the message again.
            log.debug("ack failed", extra={"message_id": message.message_id}, exc_info=True)

    @staticmethod
    async def _requeue(message: AbstractIncomingMessage) -> None:
        try:
            await message.nack(requeue=True)
        except _TRANSIENT:
            log.debug("nack failed", extra={"message_id": message.message_id}, exc_info=True)

    # -- inspection ----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _on_parking_queue(
        self, subscription: Subscription, *, publisher_confirms: bool
    ) -> AsyncIterator[tuple[AbstractChannel, AbstractQueue]]:
        """A channel of its own, and ``subscription``'s parking queue on it.

        Declared as ``subscribe`` declares it, so that one not created yet is created
        rather than failing the channel; not robust, since the channel lives only for
        the call. Closing the channel puts back every message fetched and not acked.
        """
        if self._connection is None:
            raise BusUnavailableError("bus not started")
        channel = await self._connection.channel(publisher_confirms=publisher_confirms)
        try:
            queue = await channel.declare_queue(
                self.parking_queue_name(subscription),
                durable=True,
                arguments={"x-queue-type": "quorum"},
                robust=False,
            )
            yield channel, queue
        finally:
            await channel.close()

    async def parked(self, subscription: Subscription) -> list[ParkedMessage]:
        """Read the parking queue without removing anything (tests and operators).

        Every message is fetched unacked, then the channel is closed, which puts
        them all back.
        """
        name = subscription.queue_name(self._prefix)
        async with self._on_parking_queue(subscription, publisher_confirms=False) as (_, queue):
            found: list[ParkedMessage] = []
            while True:
                try:
                    message = await queue.get(no_ack=False, timeout=5)
                except QueueEmpty:
                    break
                found.append(_parked_message(name, message))
            return found

    async def take_parked(
        self, subscription: Subscription, key: str, *, replay: bool
    ) -> ParkedMessage | None:
        """Fetch the parking queue unacked until ``key`` shows up; ack that one (after
        publishing its replay to the subscription's queue, confirmed, through the
        default exchange) and close the channel, which puts the others back."""
        name = subscription.queue_name(self._prefix)
        async with self._on_parking_queue(subscription, publisher_confirms=True) as (
            channel,
            queue,
        ):
            while True:
                try:
                    message = await queue.get(no_ack=False, timeout=5)
                except QueueEmpty:
                    return None
                parked = _parked_message(name, message)
                if parked.key != key:
                    continue
                if replay:
                    trace_context: HeadersType = dict(carrier_of(message.headers))
                    copy = aio_pika.Message(
                        message.body,
                        headers=trace_context,
                        delivery_mode=_PERSISTENT,
                        message_id=message.message_id,
                        type=message.type,
                        content_type=message.content_type,
                        correlation_id=message.correlation_id,
                    )
                    await channel.default_exchange.publish(copy, name, mandatory=True)
                await message.ack()
                return parked

    def state(self) -> dict[str, Any]:
        """Health details; never the credentials."""
        connection = self._connection
        connected = bool(
            connection is not None
            and not connection.is_closed
            and connection.connected.is_set()
            and not self._closing
        )
        return {
            "connected": connected,
            "broker": "rabbitmq",
            "address": self._where(),
            "service": self._service,
            "prefix": self._prefix,
            "subscriptions": len(self._consumers),
            "in_flight": len(self._in_flight),
            "reconnects": self._reconnects,
        }

    def _where(self) -> str:
        """The node connected to (or tried last), never the credentials."""
        connection = self._connection
        return where(connection.url if connection is not None else self._urls[0])

    def _every_node(self) -> str:
        return ", ".join(where(url) for url in self._urls)


def _parked_message(queue: str, message: AbstractIncomingMessage) -> ParkedMessage:
    headers: dict[str, Any] = dict(message.headers or {})
    reason, parked_at = parking_details(headers)
    if reason is None:
        # Dead-lettered by the broker itself (delivery limit reached).
        death = _first_death(headers)
        reason = f"broker dead-lettered it: {death.get('reason', 'unknown')}"
        when = death.get("time")
        parked_at = when if isinstance(when, datetime) else parked_at
    return ParkedMessage(
        queue=queue, body=message.body, reason=reason, parked_at=parked_at, headers=headers
    )


def _first_death(headers: Mapping[str, Any]) -> Mapping[str, Any]:
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        return deaths[0]
    return {}
