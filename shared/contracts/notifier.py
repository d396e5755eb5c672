"""Events the notifier publishes: its part of the personal-data protocol."""

from __future__ import annotations

from typing import ClassVar

from shared.contracts.personal_data import ExportPrepared, PersonalDataRead, UserErased
from shared.events import Event


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


# Every event notifier publishes: its AsyncAPI document and the contract test read it.
PUBLISHED: tuple[type[Event], ...] = (
    NotifierExportPrepared,
    NotifierUserErased,
    NotifierPersonalDataRead,
)
