"""Request and response bodies of the personal-data routes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shared.http import PageQuery


class ErasureQuery(PageQuery):
    """Filter erasure records by state."""

    state: Literal["pending", "complete"] | None = Field(
        None, description="pending : une confirmation manque ; complete : tout est effacé."
    )
