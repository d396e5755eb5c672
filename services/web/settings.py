"""Settings of the web front end alone (``WEB_*`` environment variables).

The site shares the platform's ``Settings`` (``PUBLIC_URL``, ``MONGO_URL``, ``HTTP_*``,
``DATA_DIR``…); what only the site needs is here, next to its default.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.secret_files import SettingsWithSecretFiles


class WebSettings(SettingsWithSecretFiles):
    """Where the APIs are, how long browser sessions last, the key that signs forms."""

    model_config = SettingsConfigDict(
        env_prefix="WEB_", case_sensitive=False, extra="ignore", env_ignore_empty=True
    )
    # ``WEB_SECRET_KEY_FILE``: the key in a file.
    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("secret_key",)

    # Base URL of the gateway serving /api/<service>/ (http://gateway:8080 in a
    # deployment), or a template where {service} is replaced by the service called
    # (http://{service}:8080 in Kubernetes: each service's own address, path kept).
    # Unset: the process's own HTTP_PORT on loopback (embedded default).
    api_url: str | None = None
    # Key signing the forms' anti-forgery tokens (at least 32 characters). Every replica
    # of the site must share it. Unset: read from (or created in) DATA_DIR/keys.
    secret_key: Annotated[str | None, Field(min_length=32)] = None
    # A signed-in browser that asked not to be remembered is signed out after this
    # long without a page (a shared school computer).
    idle_minutes: float = Field(120, gt=0)
    # « Rester connecté » keeps the browser signed in this long at most (the refresh
    # token's own life bounds it too).
    remember_days: float = Field(30, gt=0)
    # A sign-up in progress, or a message waiting to be shown, is kept this long.
    draft_hours: float = Field(24, gt=0)
    # How long the site waits for an API answer before showing « indisponible ».
    api_timeout_seconds: float = Field(15, gt=0)
