"""Settings of agenda alone (``AGENDA_*`` environment variables).

The programme's delays (``REMINDER_AFTER_SECONDS``, ``ESCALATE_AFTER_SECONDS``) are
platform settings; these only tune how the scheduler looks for due work.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AgendaSettings(BaseSettings):
    """How the scheduler polls and leases its work."""

    model_config = SettingsConfigDict(env_prefix="AGENDA_", case_sensitive=False, extra="ignore")

    # The scheduler sleeps until the next due step it knows of, but at most this long,
    # so work created by another replica is not left waiting.
    scheduler_poll_seconds: float = Field(5.0, gt=0)
    # A step claimed by a replica that died is taken over by another after this long;
    # a live replica's heartbeat renews the claim while the step runs.
    scheduler_lease_seconds: float = Field(15.0, gt=0)
