"""What sessions and passwords give and take: tokens, a link's state, a password change."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.http import StrictBody


class UserSummary(BaseModel):
    """Who signed in."""

    id: str
    role: str
    first_name: str
    last_name: str
    email: str


class SessionTokens(BaseModel):
    """A signed access token (short-lived) and a refresh token (rotates on use)."""

    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="Durée de validité du jeton d'accès, en secondes.")
    user: UserSummary


LinkPurposeName = Literal["confirmation", "password_reset", "email_change"]


class LinkStatus(BaseModel):
    """What an emailed link is for, and whether it can still be used."""

    purpose: LinkPurposeName = Field(
        description="confirmation (/activer), password_reset (/mot-de-passe), "
        "email_change (/email)."
    )
    state: Literal["valid", "expired"] = Field(
        description="expired : le lien peut être renouvelé (POST /links/renewal)."
    )
    expires_at: datetime
    email: str | None = Field(
        None,
        description="Adresse à laquelle le lien a été envoyé (lien encore valable seulement).",
    )


class PasswordChange(StrictBody):
    """Change the password: the current one is asked."""

    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=1, max_length=1024)]
