"""iCalendar invitations (RFC 5545/5546) attached to appointment emails.

Each side gets its own invitation naming only the platform as organizer and
themselves as attendee: an invitation must never carry the other party's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

Method = Literal["REQUEST", "CANCEL"]

PRODID = "-//Proch'Orientation//notifier//FR"


@dataclass(frozen=True)
class CalendarInvite:
    """What the invitation says; the addresses are added when the recipient is known."""

    method: Method
    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    starts_at: datetime
    duration_minutes: int
    url: str


def invitation_ics(
    invite: CalendarInvite,
    *,
    organizer_name: str,
    organizer_address: str,
    attendee_name: str | None,
    attendee_address: str,
    stamp: datetime,
) -> bytes:
    """The ``VCALENDAR`` text of ``invite`` for one attendee."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", invite.method)
    event = CalendarEvent()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", invite.starts_at)
    event.add("duration", timedelta(minutes=invite.duration_minutes))
    event.add("summary", invite.summary)
    event.add("description", invite.description)
    event.add("location", invite.location)
    event.add("url", invite.url)
    event.add("status", "CANCELLED" if invite.method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{organizer_address}")
    organizer.params["cn"] = vText(organizer_name)
    event["organizer"] = organizer
    attendee = vCalAddress(f"mailto:{attendee_address}")
    if attendee_name:
        attendee.params["cn"] = vText(attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    # The appointment was accepted on the platform: the attendee needs not answer.
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
