"""Request and response bodies of the referents' moderation routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from services.accounts.shapes.joining import Zone
from services.accounts.shapes.profile import RecordState, Suspension
from shared.contracts.accounts import ProfileType
from shared.http import PageQuery


class RecordQueueQuery(PageQuery):
    """The referents' queue of criminal-record extracts."""

    status: Literal["pending"] = Field(
        "pending", description="pending : extraits en attente de décision."
    )


class ModerationQuery(PageQuery):
    """The ambassadors of the caller's territory, for referents' moderation."""

    state: (
        Literal["solicitable", "suspended", "record_to_check", "renewal_due", "not_solicitable"]
        | None
    ) = Field(
        None,
        description=(
            "solicitable : sollicitables ; suspended : suspendus ; record_to_check : un "
            "extrait attend une décision ; renewal_due : la vérification de l'extrait se "
            "termine bientôt (le nouvel extrait est demandé) ou a expiré, et aucun nouvel "
            "extrait n'est arrivé, la fin la plus proche d'abord ; not_solicitable : tous "
            "ceux qui ne peuvent pas être sollicités (suspendus, extrait manquant, refusé ou "
            "expiré, compte non activé, limitation). Vide : tous, par ordre alphabétique."
        ),
    )


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
