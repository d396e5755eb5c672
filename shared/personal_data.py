"""The protocol by which every service answers for the personal data it holds (RGPD).

Accounts owns the person and asks; each service answers with events of its own type
built on these bases (declared in its ``events.py``):

- export: accounts publishes ``accounts.export.requested``; every other service
  publishes ``<service>.export.prepared`` with what it holds about the person, and
  accounts assembles the parts into one document;
- erasure: on ``accounts.user.deleted`` every other service erases or anonymises, then
  publishes ``<service>.user.erased``; accounts records when erasure is complete.
"""

from __future__ import annotations

from typing import Any

from shared.events import Event

# The services that answer for personal data besides accounts.
ANSWERING_SERVICES = ("agenda", "messaging", "notifier")


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
