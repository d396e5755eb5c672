"""The referents' work queue: what in their territory waits for someone to act.

Three lists, each oldest first: solicitations still pending (with their age and the
reminder sent), those escalated to the referents (with the ambassadors suggested
instead), and the zone's new ambassadors nobody has solicited yet. An admin sees the
region's. Each list is a union of index-friendly branches (one per department and
per bassin of the territory), paged like the appointment lists.
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING

from services.agenda.context import Agenda
from services.agenda.domain.access import territory_of
from services.agenda.domain.model import AmbassadorCopy, Appointment
from services.agenda.domain.statistics import without_redundant_bassins
from services.agenda.domain.territory import Area, bassin_departments, bassins_of
from services.agenda.paging import keyset_page
from services.agenda.shapes.work_queue import (
    QueuedSolicitation,
    QueueSection,
    WorkQueue,
    WorkQueueNewcomer,
)
from services.agenda.store import EPOCH
from shared.french import PARIS
from shared.http import Page, PageQuery, Principal
from shared.mongo import Document

PENDING: dict[str, Any] = {"status": "pending", "escalated_at": None}
# A range rather than ``$ne: None``: the embedded store serves it from the index.
ESCALATED: dict[str, Any] = {"status": "pending", "escalated_at": {"$gte": EPOCH}}
# Solicitable, never solicited; ``$gte`` also leaves out copies older than the field.
NEWCOMER: dict[str, Any] = {
    "first_solicited_at": None,
    "solicitable": True,
    "deleted": False,
    "solicitable_since": {"$gte": EPOCH},
}


def area_of(principal: Principal) -> Area | None:
    """Where the caller steers: a referent's territory, or the region (None) for an admin."""
    if principal.role == "referent":
        return without_redundant_bassins(territory_of(principal))
    return None


def appointment_branches(area: Area | None) -> list[dict[str, Any]]:
    """Appointments of establishments in ``area``, as disjoint branches."""
    if area is None:
        return [{}]
    return [{"establishment.department": code} for code in sorted(area.departments)] + [
        {"establishment.bassin": slug} for slug in sorted(area.bassins)
    ]


def ambassador_branches(area: Area | None) -> list[dict[str, Any]]:
    """Ambassadors whose zone has a place in ``area`` (branches may overlap)."""
    if area is None:
        return [{}]
    owners = bassin_departments()
    branches: list[dict[str, Any]] = []
    for code in sorted(area.departments):
        branches.append({"zone_departments": code})
        if bassins_of(code):
            branches.append({"zone_bassins": {"$in": bassins_of(code)}})
    for slug in sorted(area.bassins):
        branches += [{"zone_bassins": slug}, {"zone_departments": owners[slug]}]
    return branches


async def _solicitations(
    agenda: Agenda, principal: Principal, state: dict[str, Any], page: PageQuery
) -> Page[QueuedSolicitation]:
    now = agenda.now()

    def load(document: Document) -> QueuedSolicitation:
        return QueuedSolicitation.of(Appointment.model_validate(document), now)

    return await keyset_page(
        agenda.store.appointments,
        [{**branch, **state} for branch in appointment_branches(area_of(principal))],
        field="created_at",
        direction=ASCENDING,
        page=page,
        load=load,
    )


async def pending(
    agenda: Agenda, principal: Principal, page: PageQuery
) -> Page[QueuedSolicitation]:
    """Pending solicitations not escalated yet, the longest waiting first."""
    return await _solicitations(agenda, principal, PENDING, page)


async def escalated(
    agenda: Agenda, principal: Principal, page: PageQuery
) -> Page[QueuedSolicitation]:
    """Escalated solicitations still unanswered, with the ambassadors suggested instead."""
    return await _solicitations(agenda, principal, ESCALATED, page)


async def newcomers(
    agenda: Agenda, principal: Principal, page: PageQuery
) -> Page[WorkQueueNewcomer]:
    """The zone's solicitable ambassadors nobody has solicited yet, longest waiting first."""
    today = agenda.now().astimezone(PARIS).date()

    def load(document: Document) -> WorkQueueNewcomer:
        return WorkQueueNewcomer.of(AmbassadorCopy.model_validate(document), today)

    return await keyset_page(
        agenda.store.ambassadors,
        [{**branch, **NEWCOMER} for branch in ambassador_branches(area_of(principal))],
        field="solicitable_since",
        direction=ASCENDING,
        page=page,
        load=load,
    )


async def _count_appointments(agenda: Agenda, area: Area | None, state: dict[str, Any]) -> int:
    # The branches are disjoint: their counts add up.
    return sum(
        [
            await agenda.store.appointments.count_documents({**branch, **state})
            for branch in appointment_branches(area)
        ]
    )


async def _count_newcomers(agenda: Agenda, area: Area | None) -> int:
    # The branches overlap (a zone may list two departments): count distinct ids.
    found: set[str] = set()
    for branch in ambassador_branches(area):
        cursor = agenda.store.ambassadors.find({**branch, **NEWCOMER}, {"_id": 1})
        found.update([document["_id"] async for document in cursor])
    return len(found)


async def work_queue(agenda: Agenda, principal: Principal, limit: int) -> WorkQueue:
    """The first items of each list, with how many wait in all."""
    area = area_of(principal)
    first = PageQuery(limit=limit)
    waiting, stuck, new = (
        await pending(agenda, principal, first),
        await escalated(agenda, principal, first),
        await newcomers(agenda, principal, first),
    )
    return WorkQueue(
        pending=QueueSection(
            total=await _count_appointments(agenda, area, PENDING),
            items=waiting.items,
            next_cursor=waiting.next_cursor,
        ),
        escalated=QueueSection(
            total=await _count_appointments(agenda, area, ESCALATED),
            items=stuck.items,
            next_cursor=stuck.next_cursor,
        ),
        new_ambassadors=QueueSection(
            total=await _count_newcomers(agenda, area),
            items=new.items,
            next_cursor=new.next_cursor,
        ),
    )
