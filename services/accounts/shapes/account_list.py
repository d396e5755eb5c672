"""The administrators' list of accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.accounts.shapes.joining import TerritoryIn
from services.accounts.shapes.profile import Suspension
from shared.http import PageQuery

Role = Literal["ambassador", "staff", "referent", "partner", "admin"]


class AccountQuery(PageQuery):
    """Which accounts to list."""

    q: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = Field(
        None,
        description="Début du prénom, du nom ou de l'adresse e-mail, ou l'identifiant exact.",
    )
    role: Role | None = Field(None, description="Seulement les comptes de ce rôle.")
    organization_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None,
        description=(
            "Seulement les comptes rattachés à cette organisation : ses contacts partenaires "
            "et les ambassadeurs qui l'ont indiquée comme employeur."
        ),
    )


class AccountSummary(BaseModel):
    """An account as an administrator manages it: who, which role, in what state."""

    id: str
    first_name: str
    last_name: str
    email: str
    role: Role
    status: str = Field(description="pending_confirmation, active…")
    created_at: datetime
    last_seen_at: datetime | None = None
    territory: TerritoryIn | None = Field(None, description="Territoire d'un référent.")
    establishment: str | None = Field(None, description="Établissement d'un membre d'équipe.")
    organization_id: str | None = Field(
        None, description="Organisation d'un partenaire, ou employeur d'un ambassadeur."
    )
    suspension: Suspension | None = Field(None, description="Suspension d'un ambassadeur.")
