"""The ambassador's personal calendar address."""

from __future__ import annotations

from pydantic import BaseModel

from services.agenda.shapes.fields import ParisTime


class CalendarLinkState(BaseModel):
    """Whether the ambassador has a calendar address (its key is shown once, at creation)."""

    active: bool
    created_at: ParisTime | None = None


class CalendarLink(BaseModel):
    """The ambassador's personal calendar address (keep it private: it is the key)."""

    url: str
    token: str
