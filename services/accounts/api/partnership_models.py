"""Request and response bodies of the partner routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.accounts.shapes.partners import PartnerRequestStatus
from shared.http import PageQuery


class OrganizationQuery(PageQuery):
    """Find organizations by name."""

    q: Annotated[str, Field(max_length=100)] | None = None


class PartnerRequestReceived(BaseModel):
    """The request is kept for the programme's team, who answer by email."""

    id: str
    status: Literal["received"] = "received"


class PartnerRequestQuery(PageQuery):
    """The requests, newest first."""

    status: PartnerRequestStatus | None = Field(
        None, description="Seulement les demandes dans cet état (toutes sinon)."
    )
