"""The ambassador's personal iCalendar feed (RFC 5545): their accepted appointments.

Each event keeps the UID and SEQUENCE of the invitations the notifier sends, so a
calendar program that got an invitation by email and also subscribes to the feed
sees one event, not two. Times are written in Europe/Paris with a VTIMEZONE built
from the tz database for the years the feed spans, so they stay right across a
daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent

from services.agenda.domain.labels import KIND_LABELS
from services.agenda.domain.model import Appointment
from shared.french import PARIS, sentence

PARIS_TZID = "Europe/Paris"
PRODID = "-//Proch'Orientation//agenda//FR"
CALENDAR_NAME = "Proch'Orientation – mes interventions"


def calendar_uid(appointment_id: str) -> str:
    """The UID every invitation and the feed give an appointment."""
    return f"{appointment_id}@agenda.prochorientation"


def _event(appointment: Appointment, public_url: str, now: datetime) -> CalendarEvent:
    url = f"{public_url.rstrip('/')}/agenda/rendez-vous/{appointment.id}"
    establishment = appointment.establishment
    place = (
        appointment.online_url or "En ligne"
        if appointment.format == "online"
        else f"{establishment.name}, {establishment.city}"
    )
    event = CalendarEvent()
    stamp = appointment.calendar
    event.add("uid", stamp.uid if stamp else calendar_uid(appointment.id))
    event.add("sequence", stamp.sequence if stamp else 0)
    event.add("dtstamp", now)
    event.add("last-modified", appointment.updated_at)
    event.add("dtstart", appointment.starts_at.astimezone(PARIS))
    event.add("dtend", appointment.ends_at.astimezone(PARIS))
    event.add(
        "summary", f"Proch'Orientation : {KIND_LABELS[appointment.kind]} – {establishment.name}"
    )
    lines = [
        sentence(f"Avec {appointment.requester.name}"),
        f"Public : {appointment.audience.level}, {appointment.audience.group_size} élèves.",
        f"Thème : {appointment.topic}",
    ]
    if appointment.equipment:
        lines.append(f"Matériel sur place : {appointment.equipment}")
    lines.append(f"Détails et messagerie : {url}")
    event.add("description", "\n".join(lines))
    event.add("location", place)
    event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event


def feed(appointments: Sequence[Appointment], *, public_url: str, now: datetime) -> bytes:
    """The ``VCALENDAR`` of ``appointments`` (the caller picks the accepted ones)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("x-wr-timezone", PARIS_TZID)
    # Subscribed calendars poll the feed; an hour keeps changes reasonably fresh.
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    years = [a.starts_at.astimezone(PARIS).year for a in appointments] or [now.year]
    calendar.add_component(
        Timezone.from_tzid(
            PARIS_TZID, first_date=date(min(years), 1, 1), last_date=date(max(years) + 1, 1, 1)
        )
    )
    for appointment in appointments:
        calendar.add_component(_event(appointment, public_url, now))
    return bytes(calendar.to_ical())
