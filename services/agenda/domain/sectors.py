"""The programme's professional sectors (slug and French name), from the reference data
shipped with the platform (``shared/reference``)."""

from __future__ import annotations

from functools import cache

from shared.reference.places import sectors


@cache
def sector_names() -> dict[str, str]:
    """Each sector's slug and French name."""
    return {item["slug"]: item["name"] for item in sectors()}
