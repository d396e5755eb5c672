"""Request and response bodies of the referents' moderation routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

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
