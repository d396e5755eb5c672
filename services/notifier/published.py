"""Events the notifier publishes: its part of the personal-data protocol.

Kept apart from ``events`` (its subscriptions and handlers) so that the services
consuming them import the declarations alone.
"""

from __future__ import annotations

from typing import ClassVar

from shared.personal_data import ExportPrepared, PersonalDataRead, UserErased


class NotifierExportPrepared(ExportPrepared):
    """The notifier's part of a person's data export: their contact and email log."""

    type: ClassVar[str] = "notifier.export.prepared"


class NotifierUserErased(UserErased):
    """The notifier erased a deleted person's contact and address from its email log."""

    type: ClassVar[str] = "notifier.user.erased"


class NotifierPersonalDataRead(PersonalDataRead):
    """The notifier showed an admin the email log of these people: their addresses and
    which emails they were sent (for accounts' audit log)."""

    type: ClassVar[str] = "notifier.personal_data.read"
