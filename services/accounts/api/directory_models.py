"""Request and response bodies of the directory routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.accounts.shapes.fields import BassinSlug, DepartmentCode, SectorSlug
from services.accounts.shapes.joining import Zone
from services.accounts.shapes.profile import RecordState, Suspension
from shared.contracts.accounts import InterventionKind, ProfileType
from shared.http import PageQuery


class PublicTraining(BaseModel):
    """Training shown in the directory."""

    name: str
    level: str
    establishment: str


class PublicProfile(BaseModel):
    """What the directory shows of an ambassador: never an email, phone or address."""

    id: str
    first_name: str
    last_initial: str
    profile: ProfileType
    job_title: str | None = None
    sector: str | None = None
    sector_name: str | None = None
    employer: str | None = None
    organization_id: str | None = None
    training: PublicTraining | None = None
    background: str = ""
    interventions: list[InterventionKind]
    online: bool = Field(False, description="Intervient aussi à distance.")
    zone: Zone
    department: str = Field(description="Département de résidence (du code postal).")
    city: str
    pause_from: datetime | None = None
    pause_to: datetime | None = None


class AmbassadorView(PublicProfile):
    """A public profile, plus the check and suspension state for referents and admins."""

    status: str | None = None
    solicitable: bool | None = None
    not_solicitable_reason: str | None = None
    record: RecordState | None = None
    suspension: Suspension | None = None


class DirectoryQuery(PageQuery):
    """Search the directory: free text and filters, all optional and combined."""

    q: (
        Annotated[
            str,
            Field(
                max_length=200, description="Texte libre : métier, secteur, formation, parcours."
            ),
        ]
        | None
    ) = None
    sector: SectorSlug | None = None
    department: DepartmentCode | None = None
    bassin: BassinSlug | None = None
    kind: InterventionKind | None = None
    profile: ProfileType | None = None
    format: Literal["in_person", "online"] | None = Field(
        None, description="« online » : seulement ceux qui interviennent aussi à distance."
    )
