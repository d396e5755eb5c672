"""What referents decide on: criminal-record extracts, suspensions, staff attachments."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, model_validator

from services.accounts.shapes.fields import Text
from services.accounts.shapes.joining import Zone
from services.accounts.shapes.profile import RecordState, StaffEstablishment, Suspension
from shared.contracts.accounts import ProfileType
from shared.http import StrictBody


class RecordSubmitted(BaseModel):
    """The extract was received and waits for a referent's decision."""

    status: Literal["submitted"] = "submitted"
    submitted_at: datetime


class RecordDecision(StrictBody):
    """A referent's or admin's decision on the extract."""

    decision: Literal["verified", "rejected"]
    note: Annotated[str, Field(max_length=1000)] | None = None


class SuspensionIn(StrictBody):
    """Suspend an ambassador, with the reason."""

    reason: Annotated[Text, Field(min_length=3, max_length=1000)]


class PendingRecord(BaseModel):
    """An extract waiting for a decision, with where to read it and decide."""

    ambassador_id: str
    name: str = Field(description="Nom public : prénom et initiale.")
    zone: Zone
    department: str | None = Field(None, description="Département de résidence.")
    uploaded_at: datetime
    renewal: bool = Field(description="Renouvellement d'un contrôle encore valable.")
    document_url: str
    decision_url: str


class StaffToVerify(BaseModel):
    """A member of an educational team waiting for a referent to confirm their attachment."""

    user_id: str
    first_name: str
    last_name: str
    email: str = Field(description="Adresse de la personne : un indice de son rattachement.")
    position: str
    establishment: StaffEstablishment
    since: datetime | None = Field(None, description="Depuis quand la confirmation est attendue.")
    decision_url: str


class StaffDecision(StrictBody):
    """A referent's or admin's decision on a staff member's attachment."""

    decision: Literal["verified", "refused"]
    reason: Annotated[Text, Field(min_length=3, max_length=1000)] | None = Field(
        None, description="Obligatoire pour un refus : la personne le lit."
    )

    @model_validator(mode="after")
    def _refusal_says_why(self) -> Self:
        if self.decision == "refused" and not self.reason:
            raise ValueError("Indiquez le motif du refus : la personne le recevra.")
        return self


class ModeratedAmbassador(BaseModel):
    """An ambassador of the territory as a referent moderates them: public name, where
    they go, whether they can be solicited and why not, the check and the suspension.
    Never an email or a phone number."""

    id: str
    name: str = Field(description="Prénom et initiale du nom.")
    profile: ProfileType
    job_title: str | None = None
    sector: str | None = None
    training: str | None = Field(None, description="Formation présentée (lycéen, formateur).")
    city: str
    department: str | None = Field(None, description="Département de résidence.")
    zone: Zone
    account_status: str = Field(description="pending_confirmation, active…")
    solicitable: bool
    not_solicitable_reason: str | None = Field(
        None,
        description="not_active, restricted, suspended, record_rejected, record_expired, "
        "record_not_verified.",
    )
    record: RecordState
    record_waiting_since: datetime | None = Field(
        None, description="Un extrait attend une décision depuis cette date."
    )
    suspension: Suspension | None = None
    joined_at: datetime
