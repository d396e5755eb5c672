"""Bodies and queries of the referents' work queue and of a redirected solicitation."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from services.agenda.shapes.fields import Text
from shared.http import StrictBody
from shared.http.pagination import DEFAULT_LIMIT, MAX_LIMIT


class RedirectIn(StrictBody):
    """Send a pending solicitation's brief to another ambassador."""

    ambassador_id: Text = Field(description="L'ambassadeur à qui adresser la sollicitation.")
    message: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="Remplace le message de la sollicitation d'origine."
    )


class WorkQueueQuery(BaseModel):
    """How many items of each list to show at once."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Éléments par liste.")
