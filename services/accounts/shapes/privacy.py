"""Personal data: an export's accounts part, restriction, erasures and the audit of reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, Field, model_validator

from services.accounts.shapes.profile import Me
from shared.http import PageQuery


class AccountsPart(BaseModel):
    """What accounts holds about the person."""

    account: Me
    charter_acceptances: list[dict[str, object]]
    sessions: list[dict[str, object]]
    reads_by_staff: list[dict[str, object]] = Field(
        description="Consultations de vos données par un référent ou un administrateur."
    )


class ExportDocument(BaseModel):
    """Everything the platform holds about the person, one part per service."""

    accounts: AccountsPart
    agenda: dict[str, Any]
    messaging: dict[str, Any]
    notifier: dict[str, Any]
    generated_at: datetime


class RestrictionState(BaseModel):
    """Whether the person asked for the restriction of their data (RGPD art. 18)."""

    restricted: bool
    since: datetime | None = None


class ErasureRecord(BaseModel):
    """Which services confirmed the erasure of a deleted account, and when it completed."""

    user_id: str
    role: str
    reason: str
    requested_at: datetime
    confirmations: dict[str, datetime]
    waiting_for: list[str]
    completed_at: datetime | None = None


class AuditEntry(BaseModel):
    """One read of a person's data by a referent or an admin."""

    id: str
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    service: str = Field(description="Le service qui a montré ces données (accounts, agenda…).")
    user_id: str


Identifier = Annotated[str, Field(min_length=1, max_length=64)]


class AuditQuery(PageQuery):
    """Filters of the audit log (all optional, combined)."""

    user_id: Identifier | None = Field(None, description="La personne dont les données sont lues.")
    actor_id: Identifier | None = Field(None, description="Le référent ou l'administrateur.")
    from_: datetime | None = Field(None, alias="from", description="Depuis (inclus), ISO 8601.")
    to: datetime | None = Field(None, description="Jusqu'à (exclu), ISO 8601.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        for moment in (self.from_, self.to):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("Les dates indiquent leur fuseau horaire (par exemple +01:00).")
        if self.from_ and self.to and self.to <= self.from_:
            raise ValueError("La fin de la période doit suivre son début.")
        return self
