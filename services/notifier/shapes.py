"""The views the notifier's use cases give (and its routes answer): the delivery log,
its totals, a person's choice of emails and the addresses that bounce."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.notifier.store import Status, UndeliverableAddress
from shared.mongo import Document

# Fields of a delivery record that may be absent (see ``DeliveryView.of``).
_WRITTEN_LATER = ("user_id", "last_error", "next_attempt_at", "sent_at")


class DeliveryView(BaseModel):
    """One line of the delivery log (never the message itself)."""

    id: str
    recipient: str
    user_id: str | None
    template: str
    event_id: str
    event_type: str
    status: Status
    attempts: int
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None

    @classmethod
    def of(cls, document: Document) -> DeliveryView:
        """The view of a stored record (its id is ``_id``; a field written only once it
        applies reads as null until then)."""
        return cls.model_validate(
            {**dict.fromkeys(_WRITTEN_LATER), **document, "id": document["_id"]}
        )


class DeliveryTotals(BaseModel):
    """How many deliveries the log holds, by status."""

    queued: int = Field(description="En attente d'un (nouvel) essai.")
    sending: int = Field(description="En cours d'envoi.")
    sent: int = Field(description="Acceptés par le serveur SMTP.")
    failed: int = Field(description="Refusés définitivement.")
    dead: int = Field(description="Abandonnés après des échecs temporaires répétés.")
    total: int


class EmailChoice(BaseModel):
    """One kind of email a person may decline, and whether they receive it."""

    kind: str
    label: str
    hint: str
    wanted: bool


class MyEmails(BaseModel):
    """The signed-in person's emails: what they chose, and whether their address bounces."""

    choices: list[EmailChoice]
    address_undeliverable: bool = Field(
        description="Leur adresse a refusé un e-mail définitivement : rien ne lui est plus envoyé."
    )


class UnsubscribeView(BaseModel):
    """The kind of email a link declines."""

    kind: str
    label: str


class UndeliverableView(BaseModel):
    """An address the platform no longer writes to, and the bounce that said so."""

    address: str
    user_id: str | None
    status: str
    diagnostic: str
    bounced_at: datetime

    @classmethod
    def of(cls, found: UndeliverableAddress) -> UndeliverableView:
        """The view of a stored address (the same fields)."""
        return cls.model_validate(found, from_attributes=True)
