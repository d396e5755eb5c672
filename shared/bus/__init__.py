"""The event bus: one interface, a RabbitMQ implementation and an in-process one."""

from shared.bus.base import (
    Bus,
    BusUnavailableError,
    Delivery,
    ParkedMessage,
    Subscription,
    UnroutableEventError,
)

__all__ = [
    "Bus",
    "BusUnavailableError",
    "Delivery",
    "ParkedMessage",
    "Subscription",
    "UnroutableEventError",
]
