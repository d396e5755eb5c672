"""The ambassador's personal calendar feed and its revocable link.

Calendar programs cannot send a bearer token, so the feed's URL carries its own key:
a long random token, stored hashed (like every token in a link), one per ambassador.
Asking for a new link revokes the old one; deleting it revokes it outright.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from services.agenda import errors
from services.agenda.context import Agenda
from services.agenda.domain.calendar import feed
from services.agenda.domain.model import Appointment
from services.agenda.domain.rules import status_conflict
from services.agenda.shapes.calendars import CalendarLink, CalendarLinkState
from shared.http import Principal

# Past appointments stay in the feed a year, so a calendar keeps recent history.
FEED_HISTORY = timedelta(days=366)
FEED_PATH = "/api/agenda/calendar.ics"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(agenda: Agenda, principal: Principal) -> CalendarLink:
    """A new private feed address for the ambassador; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    await agenda.store.calendar_links.issue(principal.user_id, _hash(token), agenda.now())
    url = f"{agenda.settings.public_url.rstrip('/')}{FEED_PATH}?token={token}"
    return CalendarLink(url=url, token=token)


async def link_state(agenda: Agenda, principal: Principal) -> CalendarLinkState:
    """Whether the ambassador's feed address works, and since when."""
    found = await agenda.store.calendar_links.of_user(principal.user_id)
    if found is None:
        return CalendarLinkState(active=False)
    return CalendarLinkState(active=True, created_at=found["created_at"])


async def revoke_link(agenda: Agenda, principal: Principal) -> None:
    """The feed address stops working (no error if there was none)."""
    await agenda.store.calendar_links.revoke(principal.user_id)


async def calendar_of(agenda: Agenda, token: str) -> bytes:
    """The iCalendar feed the token opens; 404 for an unknown or revoked token."""
    if not token:
        raise errors.CALENDAR_NOT_FOUND.error()
    owner = await agenda.store.calendar_links.owner_of(_hash(token))
    if owner is None:
        raise errors.CALENDAR_NOT_FOUND.error()
    now = agenda.now()
    appointments = await agenda.store.for_feed(owner, since=now - FEED_HISTORY)
    return feed(appointments, public_url=agenda.settings.public_url, now=now)


def appointment_file(agenda: Agenda, appointment: Appointment) -> bytes:
    """One accepted appointment as an iCalendar file (the same event as in the feed)."""
    if appointment.status != "accepted":
        raise status_conflict(errors.NOT_ACCEPTED, appointment.status)
    return feed([appointment], public_url=agenda.settings.public_url, now=agenda.now())
