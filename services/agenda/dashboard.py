"""The lists people read: appointments (upcoming or past) and the notification feed."""

from __future__ import annotations

from services.agenda import errors
from services.agenda.context import Agenda
from services.agenda.shapes.appointments import AppointmentQuery, AppointmentView
from services.agenda.shapes.notifications import NotificationQuery, NotificationView
from shared.http import Page, Principal
from shared.mongo import Document


async def appointments(
    agenda: Agenda, principal: Principal, query: AppointmentQuery
) -> Page[AppointmentView]:
    """One page of the caller's appointments, upcoming (soonest first) or past (latest first).

    Upcoming means not yet over: an intervention under way is still upcoming.
    """
    return await agenda.store.appointments_page(
        principal,
        upcoming=query.when == "upcoming",
        statuses=query.status or [],
        now=agenda.now(),
        page=query,
        load=AppointmentView.of,
    )


async def notifications(
    agenda: Agenda, principal: Principal, query: NotificationQuery
) -> Page[NotificationView]:
    """One page of the caller's feed, newest first."""

    def load(line: Document) -> NotificationView:
        # The stored line under the view's names; its other fields are left out.
        return NotificationView.model_validate(
            {**line, "id": line["_id"], "read": line["read_at"] is not None}
        )

    return await agenda.store.feed.page(
        principal.user_id, unread=query.unread, page=query, load=load
    )


async def mark_read(agenda: Agenda, principal: Principal, notification_id: str) -> None:
    """Mark one line of the caller's feed as read (again is fine); 404 if not theirs."""
    if not await agenda.store.feed.mark_read(principal.user_id, notification_id, agenda.now()):
        raise errors.NOTIFICATION_NOT_FOUND.error()


async def mark_all_read(agenda: Agenda, principal: Principal) -> int:
    """Mark the caller's whole feed as read; returns how many lines changed."""
    return await agenda.store.feed.mark_all_read(principal.user_id, agenda.now())
