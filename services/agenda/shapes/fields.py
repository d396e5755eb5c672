"""Field types and the strict body base every agenda shape builds on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, HttpUrl, PlainSerializer, StringConstraints

from shared.french import PARIS

# A week: the longest intervention (a discovery internship).
MAX_DURATION_MINUTES = 7 * 24 * 60


def _paris(moment: datetime) -> str:
    return moment.astimezone(PARIS).isoformat()


ParisTime = Annotated[datetime, PlainSerializer(_paris, return_type=str)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# How long an intervention or an offered slot lasts.
Minutes = Annotated[int, Field(ge=1, le=MAX_DURATION_MINUTES)]
OnlineUrl = Annotated[HttpUrl | None, Field(description="Lien de connexion (à distance).")]


def postcode(value: str) -> str:
    """A French postcode: five digits (raises ``ValueError`` otherwise)."""
    if not (len(value) == 5 and value.isdigit()):
        raise ValueError("Le code postal doit compter 5 chiffres.")
    return value
