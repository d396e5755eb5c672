"""How a change is made known: the event for the other services and the feed lines.

Both are written in the transaction of the change, so a change is never known
without having happened, nor happens without being known.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda.context import Agenda
from services.agenda.domain.labels import NotificationKind, notification_text
from services.agenda.domain.model import Appointment, Intervention
from services.agenda.store.feed import new_line
from shared.contracts.agenda import AppointmentFacts, Establishment
from shared.events import Event


def intervention_facts(intervention: Intervention) -> dict[str, Any]:
    """The fields of ``InterventionFacts``, as keyword arguments of its subclasses.

    Shared by the facts of an appointment and those of an open call for an event.
    """
    return {
        "format": intervention.format,
        "online_url": intervention.online_url,
        "starts_at": intervention.starts_at,
        "duration_minutes": intervention.duration_minutes,
        # Events carry the contract's class, not agenda's stricter subclass of it.
        "establishment": Establishment(**intervention.establishment.model_dump()),
        "audience_level": intervention.audience.level,
        "group_size": intervention.audience.group_size,
    }


def facts(appointment: Appointment) -> AppointmentFacts:
    """What every appointment email shows (names are public display names only)."""
    return AppointmentFacts(
        **intervention_facts(appointment),
        appointment_id=appointment.id,
        ambassador_id=appointment.ambassador_id,
        ambassador_name=appointment.ambassador.name,
        requester_id=appointment.requester_id,
        requester_name=appointment.requester.name,
        kind=appointment.kind,
        topic=appointment.topic,
        expectations=appointment.expectations,
        equipment=appointment.equipment,
        team_member_present=appointment.team_member_present,
        ambassador_sector=appointment.ambassador.sector,
    )


async def announce(
    agenda: Agenda,
    session: AsyncClientSession,
    appointment: Appointment,
    event: Event | None,
    notify: Iterable[tuple[str, NotificationKind]] = (),
    *,
    suggestions: int = 0,
) -> None:
    """Record ``event`` in the outbox and a feed line for each (user id, kind)."""
    if event is not None:
        await agenda.ctx.outbox.add(event, session, correlation_id=appointment.id)
    now = agenda.now()
    lines = [
        new_line(
            agenda.new_id(),
            user_id,
            kind,
            notification_text(kind, appointment, suggestions=suggestions),
            now,
            suggestions=suggestions,
            appointment_id=appointment.id,
        )
        for user_id, kind in notify
    ]
    await agenda.store.feed.add(lines, session)


async def rewrite_feed(
    agenda: Agenda, session: AsyncClientSession, appointment: Appointment
) -> None:
    """Write again the feed lines about ``appointment`` (after a party was anonymised)."""
    for line in await agenda.store.feed.about_appointment(appointment.id, session):
        text = notification_text(
            line["kind"], appointment, suggestions=int(line.get("suggestions", 0))
        )
        await agenda.store.feed.set_text(line["_id"], text, session)
