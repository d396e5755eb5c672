"""Partner organizations, their contacts and their requests to join."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, field_validator

from services.accounts.shapes.fields import Email, PersonIn, Phone, Siret, Text, refuse_null
from shared.http import StrictBody


class Sponsorship(StrictBody):
    """The skills-sponsorship convention (mécénat de compétences)."""

    signed_at: datetime | None = None
    agreed_interventions: Annotated[int, Field(ge=0, le=100_000)] | None = None
    annual_revenue_eur: Annotated[float, Field(ge=0)] | None = None
    hourly_loaded_cost_eur: Annotated[float, Field(ge=0, le=10_000)] | None = None


# What became of a partnership request: waiting, an organisation recorded from it, or
# closed without one.
PartnerRequestStatus = Literal["new", "registered", "declined"]


class OrganizationIn(StrictBody):
    """A partner organization."""

    name: Annotated[Text, Field(min_length=2, max_length=160)]
    siret: Siret | None = None
    kind: Literal["company", "association", "training_body", "public_body", "other"]
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None
    partner_request_id: str | None = Field(
        None,
        max_length=64,
        description=(
            "La demande de partenariat dont l'organisation vient : elle passe à « registered » "
            "avec l'identifiant de l'organisation."
        ),
    )


class Organization(BaseModel):
    """A partner organization as stored."""

    id: str
    name: str
    siret: str | None = None
    kind: str
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None
    created_at: datetime


class OrganizationUpdate(StrictBody):
    """Fields of an organization to change (only those given change; null clears)."""

    name: Annotated[Text, Field(min_length=2, max_length=160)] | None = None
    siret: Siret | None = None
    kind: Literal["company", "association", "training_body", "public_body", "other"] | None = None
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None

    _not_null = field_validator("name", "kind")(refuse_null)


class PartnerContactIn(PersonIn):
    """The person who speaks for a partner organization: reads its report, nothing else."""


class OrganizationSummary(BaseModel):
    """What anyone signed in sees of an organization (to link oneself to it)."""

    id: str
    name: str
    kind: str


class PartnerRequestIn(StrictBody):
    """An employer, association or training body asks to become a partner (no account)."""

    organization_name: Annotated[
        Text, Field(min_length=2, max_length=160, description="Nom de l'organisation.")
    ]
    siret: Siret | None = Field(None, description="SIRET (14 chiffres), s'il est connu.")
    contact_name: Annotated[
        Text, Field(min_length=2, max_length=160, description="Prénom et nom du contact.")
    ]
    email: Email
    phone: Phone | None = None
    sponsorship: bool = Field(
        False, description="L'organisation envisage aussi une convention de mécénat de compétences."
    )
    message: Annotated[
        str,
        Field(
            max_length=2000,
            description="Ce que l'organisation souhaite faire (métiers, nombre de salariés…).",
        ),
    ] = ""


class PartnerRequest(BaseModel):
    """A partnership request as the admins read it."""

    id: str
    organization_name: str
    siret: str | None = None
    contact_name: str
    email: str
    phone: str | None = None
    sponsorship: bool
    message: str
    created_at: datetime
    status: PartnerRequestStatus = Field(
        description=(
            "new : à traiter ; registered : une organisation a été enregistrée depuis la "
            "demande (organization_id) ; declined : classée sans suite."
        )
    )
    organization_id: str | None = None
    handled_at: datetime | None = Field(None, description="Quand elle a été traitée.")
