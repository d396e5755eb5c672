"""Agenda's part of a person's data export (right of access, RGPD article 15).

Everything agenda holds about the person: its copy of their public profile, the
appointments they took part in (as the ambassador or as the requester), the feedback
they gave, their notification feed, whether a calendar link exists, and the open
calls they organised, were invited to or came to. Other people appear by their
public name only; agenda holds no contact details of anyone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from services.agenda.context import Agenda
from services.agenda.domain.calls import OpenCall
from services.agenda.domain.model import Appointment, Side
from services.agenda.store import Party
from shared.french import PARIS

PROFILE_FIELDS = (
    "first_name",
    "last_initial",
    "profile",
    "job_title",
    "sector",
    "organization_id",
    "interventions",
    "zone_departments",
    "zone_bassins",
    "solicitable",
    "not_solicitable_reason",
    "pause_from",
    "pause_to",
    "max_solicitations_per_month",
    "solicitable_since",
    "first_solicited_at",
    "establishment",
    "departments",
    "bassins",
)


def _plain(value: Any) -> Any:
    """JSON-ready: times in Europe/Paris (ISO 8601 with offset), containers walked."""
    if isinstance(value, datetime):
        return value.astimezone(PARIS).isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _appointment(appointment: Appointment, side: Side) -> dict[str, Any]:
    a = appointment
    other = a.requester if side == "ambassador" else a.ambassador
    given = a.feedback.get(side)
    return {
        "id": a.id,
        "as": side,
        "status": a.status,
        "kind": a.kind,
        "format": a.format,
        "online_url": a.online_url,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "duration_minutes": a.duration_minutes,
        "establishment": a.establishment.model_dump(),
        "audience": a.audience.model_dump(),
        "topic": a.topic,
        "expectations": a.expectations,
        "equipment": a.equipment,
        "message": a.message,
        "other_party": {"name": other.name},
        "answer": a.answer.model_dump() if a.answer else None,
        "alternative_slots": [slot.model_dump() for slot in a.alternative_slots],
        "cancellation": (
            a.cancellation.model_dump(exclude={"by_user_id"}) if a.cancellation else None
        ),
        "feedback_given": given.model_dump() if given else None,
        "open_call_id": a.call_id,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def _call(call: OpenCall, relation: str) -> dict[str, Any]:
    return {
        "id": call.id,
        "relation": relation,
        "title": call.title,
        "event_type": call.event_type,
        "starts_at": call.starts_at,
        "ends_at": call.ends_at,
        "establishment": call.establishment.model_dump(),
        "places": call.places,
        "places_taken": call.taken,
        "status": call.status,
        "organiser": {"name": call.organiser.name},
    }


async def export_of(agenda: Agenda, user_id: str) -> dict[str, Any]:
    """Everything agenda holds about ``user_id``, as one JSON-ready document."""
    store = agenda.store
    copy = await store.copy_of_person(user_id)
    profile = None if copy is None else {k: copy[k] for k in PROFILE_FIELDS if k in copy}
    appointments: list[dict[str, Any]] = []
    sides: tuple[tuple[Party, Side], ...] = (
        ("ambassador_id", "ambassador"),
        ("requester_id", "requester"),
    )
    for party, side in sides:
        for appointment in await store.of_person(party, user_id, by_start=True):
            appointments.append(_appointment(appointment, side))
    notifications = [
        {
            "kind": line["kind"],
            "text": line["text"],
            "created_at": line["created_at"],
            "read_at": line.get("read_at"),
        }
        for line in await store.feed.of_user(user_id)
    ]
    link = await store.calendar_links.of_user(user_id)
    calls = [_call(call, relation) for relation, call in await store.calls_of_person(user_id)]
    document = {
        "profile": profile,
        "appointments": appointments,
        "notifications": notifications,
        "calendar_link": {
            "exists": link is not None,
            "created_at": link.get("created_at") if link else None,
        },
        "open_calls": calls,
    }
    return cast(dict[str, Any], _plain(document))
