"""The bases of the personal-data answers every service but accounts publishes.

Each answering service declares its own event types on them (``agenda.user.erased``,
``messaging.export.prepared``…) in its contracts module; the payloads are the same,
so accounts consumes every service's answers with these models (see
``shared.personal_data`` for the protocol).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events import Event


class ExportPrepared(Event):
    """Base of ``<service>.export.prepared``: one service's part of a person's export."""

    request_id: str
    user_id: str
    service: str
    data: dict[str, Any]


class UserErased(Event):
    """Base of ``<service>.user.erased``: the service erased what it held about the person."""

    user_id: str
    service: str


class PersonalDataRead(Event):
    """Base of ``<service>.personal_data.read``: a referent or an admin was shown the
    data of these people (one answer of the service's API); accounts logs each read."""

    actor_id: str
    actor_role: str
    action: str
    user_ids: list[str]
    service: str
    read_at: datetime
