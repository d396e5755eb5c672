"""Reads of people's data by referents and admins, reported to accounts' audit log.

Accounts keeps the one audit log of the platform (admins query it there, a person
finds the reads of their data in their export). When an answer of agenda shows a
referent or an admin other people's appointments, queue items, attendance at an event
or hours for a partner, agenda publishes ``agenda.personal_data.read`` naming them
(through the outbox, once the read succeeded). Aggregates (statistics) name nobody
and are not reported; a party reading their own appointment, or the organiser of an
event its attendees, is not either.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.agenda.context import Agenda
from services.agenda.shapes.appointments import AppointmentView
from services.agenda.shapes.calls import CallView
from services.agenda.shapes.partners import PartnerReport
from services.agenda.shapes.work_queue import QueuedSolicitation, WorkQueueNewcomer
from shared.contracts.agenda import AgendaPersonalDataRead
from shared.http import Principal
from shared.personal_data import report_reads

# What was read (stable codes, shown to admins and in the person's export).
APPOINTMENT_READ = "appointment_read"
APPOINTMENTS_LISTED = "appointments_listed"
WORK_QUEUE_LISTED = "work_queue_listed"
CALL_ATTENDEES_READ = "call_attendees_read"
PARTNER_REPORT_READ = "partner_report_read"


async def record_reads(
    agenda: Agenda, principal: Principal, action: str, user_ids: Iterable[str | None]
) -> None:
    """Report that ``principal`` was shown these people's data (referents and admins)."""
    await report_reads(
        agenda.ctx, AgendaPersonalDataRead, principal, action, user_ids, at=agenda.now()
    )


def in_appointments(principal: Principal, views: Iterable[AppointmentView]) -> list[str | None]:
    """Both parties of each appointment the reader is not a party to."""
    people: list[str | None] = []
    for view in views:
        parties = (view.ambassador.id, view.requester.id)
        if principal.user_id not in parties:
            people.extend(parties)
    return people


def in_queue(items: Iterable[QueuedSolicitation]) -> list[str | None]:
    """The ambassador, the requester and the suggested replacements of each item."""
    people: list[str | None] = []
    for item in items:
        people += [item.ambassador.id, item.requester.id]
        people += [suggestion.ambassador_id for suggestion in item.suggestions]
    return people


def in_newcomers(items: Iterable[WorkQueueNewcomer]) -> list[str | None]:
    """The new ambassadors listed."""
    return [item.ambassador_id for item in items]


def in_calls(principal: Principal, views: Iterable[CallView]) -> list[str | None]:
    """Who comes to each call the reader sees the attendees of, but did not organise."""
    return [
        attendee.ambassador_id
        for view in views
        if view.organiser.id != principal.user_id
        for attendee in view.attendees or []
    ]


def in_report(report: PartnerReport) -> list[str | None]:
    """The partner's employees named with their hours."""
    return [employee.ambassador_id for employee in report.employees]
