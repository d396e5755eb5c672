"""The referents' work queue's reads: pending and escalated solicitations of an area,
and the zone's newcomers nobody has solicited yet.

Each list is a union of index-friendly branches (one per department and per bassin of
the area), paged like the appointment lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.agenda.domain.model import AmbassadorCopy, Appointment
from services.agenda.domain.territory import Area, bassin_departments, bassins_of
from services.agenda.store.indexes import EPOCH
from services.agenda.store.paging import keyset_page
from shared.http import Page, PageQuery
from shared.mongo import Document

T = TypeVar("T")

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


class WorkQueueReads:
    """The three lists of the work queue and how many wait in each."""

    def __init__(
        self, appointments: AsyncCollection[Document], ambassadors: AsyncCollection[Document]
    ) -> None:
        self._appointments = appointments
        self._ambassadors = ambassadors

    async def solicitations(
        self,
        area: Area | None,
        *,
        escalated: bool,
        page: PageQuery,
        load: Callable[[Appointment], T],
    ) -> Page[T]:
        """Pending solicitations of ``area`` (escalated or not yet), oldest first."""
        state = ESCALATED if escalated else PENDING
        return await keyset_page(
            self._appointments,
            [{**branch, **state} for branch in appointment_branches(area)],
            field="created_at",
            direction=ASCENDING,
            page=page,
            load=lambda document: load(Appointment.model_validate(document)),
        )

    async def newcomers(
        self, area: Area | None, *, page: PageQuery, load: Callable[[AmbassadorCopy], T]
    ) -> Page[T]:
        """Solicitable ambassadors of ``area`` nobody has solicited yet, longest waiting first."""
        return await keyset_page(
            self._ambassadors,
            [{**branch, **NEWCOMER} for branch in ambassador_branches(area)],
            field="solicitable_since",
            direction=ASCENDING,
            page=page,
            load=lambda document: load(AmbassadorCopy.model_validate(document)),
        )

    async def count_solicitations(self, area: Area | None, *, escalated: bool) -> int:
        """How many pending solicitations of ``area`` (escalated or not yet) wait."""
        state = ESCALATED if escalated else PENDING
        # The branches are disjoint: their counts add up.
        return sum(
            [
                await self._appointments.count_documents({**branch, **state})
                for branch in appointment_branches(area)
            ]
        )

    async def count_newcomers(self, area: Area | None) -> int:
        """How many newcomers of ``area`` wait."""
        # The branches overlap (a zone may list two departments): count distinct ids.
        found: set[str] = set()
        for branch in ambassador_branches(area):
            cursor = self._ambassadors.find({**branch, **NEWCOMER}, {"_id": 1})
            found.update([document["_id"] async for document in cursor])
        return len(found)
