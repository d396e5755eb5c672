"""The query of a partner's yearly report (the report itself is a use case's shape)."""

from __future__ import annotations

from pydantic import BaseModel, Field

MIN_YEAR = 2000
MAX_YEAR = 2100


class ReportQuery(BaseModel):
    """Which year (calendar year, Europe/Paris)."""

    year: int | None = Field(
        None, ge=MIN_YEAR, le=MAX_YEAR, description="Année civile ; défaut : l'année en cours."
    )
