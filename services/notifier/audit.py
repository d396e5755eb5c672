"""Reads of the email log by admins, reported to accounts' audit log.

Accounts keeps the one audit log of the platform. The delivery log shows admins whom
the platform wrote to, at which address and about what: when an answer shows them
records, the notifier publishes ``notifier.personal_data.read`` naming the people
they belong to (through the outbox, once the read succeeded). A record of no account
names nobody, nor a record already erased (the address is gone).
"""

from __future__ import annotations

from collections.abc import Iterable

from services.notifier.shapes import DeliveryView
from services.notifier.store import ERASED_ADDRESS
from shared.contracts.notifier import NotifierPersonalDataRead
from shared.personal_data import ReadReporter

# What was read (stable codes, shown to admins and in the person's export).
DELIVERIES_LISTED = "deliveries_listed"
DELIVERY_RETRIED = "delivery_retried"
UNDELIVERABLE_LISTED = "undeliverable_listed"

# Reports that an admin was shown these people's email log.
record_reads = ReadReporter(NotifierPersonalDataRead)


def in_deliveries(views: Iterable[DeliveryView]) -> list[str | None]:
    """The people whose records were shown, with their address."""
    return [view.user_id for view in views if view.recipient != ERASED_ADDRESS]
