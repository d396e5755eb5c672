"""One's own account as shown and changed: the profile, consents, email change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from services.accounts.shapes.fields import (
    Email,
    Interventions,
    Name,
    Phone,
    Postcode,
    Text,
    refuse_null,
)
from services.accounts.shapes.joining import Establishment, Job, TerritoryIn, Training, Zone
from shared.contracts.accounts import InterventionKind, ProfileType
from shared.http import StrictBody


class EmailChangeRequest(StrictBody):
    """Change the address: a link goes to the new one, the old one is told."""

    new_email: Email
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]


class EmailChanged(BaseModel):
    """The account's address now."""

    email: str


class ConsentState(BaseModel):
    """One consent: given or not, and since when."""

    given: bool
    at: datetime | None = None


class ConsentEvent(BaseModel):
    """One change of a consent."""

    consent: Literal["image_rights", "surveys"]
    given: bool
    at: datetime


class Consents(BaseModel):
    """Consents with their dates and history of changes."""

    image_rights: ConsentState
    surveys: ConsentState
    history: list[ConsentEvent] = Field(default_factory=list)


class Availability(StrictBody):
    """A pause in the engagement and a monthly cap on solicitations."""

    pause_from: datetime | None = None
    pause_to: datetime | None = None
    max_solicitations_per_month: Annotated[int, Field(ge=1, le=31)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if (self.pause_from is None) != (self.pause_to is None):
            raise ValueError("Une pause a une date de début et une date de fin.")
        if self.pause_from and self.pause_to and self.pause_to <= self.pause_from:
            raise ValueError("La fin de la pause doit suivre son début.")
        for moment in (self.pause_from, self.pause_to):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("Les dates indiquent leur fuseau horaire (par exemple +01:00).")
        return self


class RecordState(BaseModel):
    """Where the criminal-record check stands (the document itself is never shown).

    A verified check is valid until ``valid_until``; a new extract is asked for
    shortly before (``renewal_requested_at``) and the check is ``expired`` after.
    """

    status: Literal["missing", "submitted", "verified", "rejected", "expired"]
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str | None = None
    valid_until: datetime | None = None
    renewal_requested_at: datetime | None = None
    expired_at: datetime | None = None


class Suspension(BaseModel):
    """Why and since when an ambassador is suspended."""

    reason: str
    at: datetime
    by: str


class AmbassadorPart(BaseModel):
    """The ambassador's own profile as they see it."""

    profile: ProfileType
    postcode: str
    city: str
    job: Job | None = None
    training: Training | None = None
    background: str = ""
    interventions: list[InterventionKind]
    online: bool = False
    zone: Zone
    organization_id: str | None = Field(
        None, description="L'organisation partenaire qui emploie l'ambassadeur."
    )
    organization_name: str | None = Field(None, description="Son nom.")
    availability: Availability = Field(default_factory=Availability)
    record: RecordState
    suspension: Suspension | None = None
    solicitable: bool
    not_solicitable_reason: str | None = None


class StaffEstablishment(BaseModel):
    """A staff member's establishment as the reference data places it."""

    uai: str
    name: str
    city: str
    postcode: str
    department: str
    bassin: str | None = Field(None, description="Bassin d'éducation (Nord), quand il est connu.")
    listed: bool = Field(
        description="L'établissement figure dans l'annuaire : nom et lieu en viennent."
    )


class StaffVerification(BaseModel):
    """Whether the person's attachment to the establishment is proved."""

    status: Literal["verified", "pending", "refused"] = Field(
        description=(
            "verified : prouvé par une adresse académique ou confirmé par un référent ; "
            "pending : en attente du référent territorial ; refused : refusé (motif)."
        )
    )
    by_academic_address: bool = False
    at: datetime | None = Field(None, description="Date de la décision ou de la demande.")
    reason: str | None = None


class StaffPart(BaseModel):
    """The educational team member's establishment, position and verification."""

    establishment: StaffEstablishment
    position: str
    verification: StaffVerification


class ReferentPart(BaseModel):
    """The referent's territory."""

    territory: TerritoryIn


class PartnerPart(BaseModel):
    """The organization a partner contact speaks for."""

    organization_id: str


class Restriction(BaseModel):
    """Since when the person restricted the use of their data (RGPD art. 18)."""

    since: datetime


class Me(BaseModel):
    """One's own account and profile."""

    id: str
    role: str
    status: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    created_at: datetime
    activated_at: datetime | None = None
    consents: Consents
    charter_version: str | None = None
    ambassador: AmbassadorPart | None = None
    staff: StaffPart | None = None
    referent: ReferentPart | None = None
    partner: PartnerPart | None = None
    restriction: Restriction | None = None


class MeUpdate(StrictBody):
    """Fields one may change on one's own account (only those given change).

    ``organization_id`` links an ambassador to their employer organization (null
    unlinks). Job, training, zone and availability replace the previous value whole.
    """

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    postcode: Postcode | None = None
    city: Annotated[Text, Field(min_length=1, max_length=100)] | None = None
    job: Job | None = None
    training: Training | None = None
    background: Annotated[str, Field(max_length=2000)] | None = None
    interventions: Interventions | None = None
    online: bool | None = None
    zone: Zone | None = None
    organization_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    availability: Availability | None = None
    position: Annotated[Text, Field(min_length=2, max_length=120)] | None = None
    establishment: Establishment | None = None

    _not_null = field_validator(
        "first_name",
        "last_name",
        "postcode",
        "city",
        "interventions",
        "online",
        "zone",
        "position",
        "establishment",
    )(refuse_null)

    @field_validator("background")
    @classmethod
    def _null_empties_the_background(cls, value: str | None) -> str:
        """``null`` empties one's background, as an empty text does (it is never absent)."""
        return value or ""


class ConsentsUpdate(StrictBody):
    """Give or withdraw consents (the date of each change is kept)."""

    image_rights: bool
    surveys: bool
