"""Events the notifier publishes: its answers to the personal-data protocol.

Kept apart from ``events`` (its subscriptions and handlers) so that the services
consuming them import the declarations alone.
"""

from __future__ import annotations

from typing import ClassVar

from shared.personal_data import ExportPrepared, UserErased


class NotifierExportPrepared(ExportPrepared):
    """The notifier's part of a person's data export: their contact and email log."""

    type: ClassVar[str] = "notifier.export.prepared"


class NotifierUserErased(UserErased):
    """The notifier erased a deleted person's contact and address from its email log."""

    type: ClassVar[str] = "notifier.user.erased"
