"""The notification feed: its filter and its lines."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.agenda.shapes.fields import ParisTime
from shared.http import PageQuery


class NotificationQuery(PageQuery):
    """Filter of the notification feed."""

    unread: bool | None = Field(None, description="true : seulement les non lues.")


class NotificationView(BaseModel):
    """One line of the feed."""

    id: str
    kind: str
    appointment_id: str | None
    call_id: str | None = Field(None, description="L'appel à participation concerné.")
    text: str
    created_at: ParisTime
    read: bool
    read_at: ParisTime | None
