"""The views the notifier's use cases give (and its routes answer): the delivery log,
its totals, a person's choice of emails and the addresses that bounce."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from services.notifier.store import Status, UndeliverableAddress
from shared.mongo import Document


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
        """The view of a stored record."""
        return cls(
            id=document["_id"],
            recipient=document["recipient"],
            user_id=document.get("user_id"),
            template=document["template"],
            event_id=document["event_id"],
            event_type=document["event_type"],
            status=Status(document["status"]),
            attempts=document["attempts"],
            last_error=document.get("last_error"),
            created_at=document["created_at"],
            updated_at=document["updated_at"],
            next_attempt_at=document.get("next_attempt_at"),
            sent_at=document.get("sent_at"),
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
