"""Bodies and answers of the appointment routes that no use case takes (the use cases'
own shapes are in ``services.agenda.shapes``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from services.agenda.domain.model import Status
from services.agenda.domain.rules import MAX_ALTERNATIVE_SLOTS
from services.agenda.shapes.appointments import SlotIn
from services.agenda.shapes.fields import Text
from shared.http import StrictBody


class Acceptance(StrictBody):
    """The ambassador accepts, with an optional message."""

    message: Annotated[str, StringConstraints(max_length=2000)] | None = None


class Refusal(StrictBody):
    """The ambassador declines, with a personal message and up to three other slots."""

    message: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        None, description="Remplace le message automatique."
    )
    alternative_slots: list[SlotIn] = Field(default_factory=list, max_length=MAX_ALTERNATIVE_SLOTS)


class CancellationIn(StrictBody):
    """Either party cancels, saying why."""

    reason: Annotated[Text, StringConstraints(max_length=2000)]


class FeedbackIn(StrictBody):
    """An opinion once the intervention took place."""

    rating: int = Field(ge=1, le=5)
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class Created(BaseModel):
    """A new solicitation."""

    id: str
    status: Status
