"""Bodies of the partnership requests: an organisation asks to join the programme."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.accounts.api.models import Email, Phone, Siret, Strict, Text
from shared.http import PageQuery


class PartnerRequestIn(Strict):
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


class PartnerRequestReceived(BaseModel):
    """The request is kept for the programme's team, who answer by email."""

    id: str
    status: Literal["received"] = "received"


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


class PartnerRequestQuery(PageQuery):
    """The requests, newest first."""
