"""The referents' work queue: what in their territory waits for someone to act.

Three lists, each oldest first: solicitations still pending (with their age and the
reminder sent), those escalated to the referents (with the ambassadors suggested
instead), and the zone's new ambassadors nobody has solicited yet. An admin sees the
region's. Each list is a union of index-friendly branches (one per department and
per bassin of the territory, built by the store), paged like the appointment lists.
"""

from __future__ import annotations

from services.agenda.context import Agenda
from services.agenda.domain.access import territory_of
from services.agenda.domain.model import AmbassadorCopy, Appointment
from services.agenda.domain.statistics import without_redundant_bassins
from services.agenda.domain.territory import Area
from services.agenda.shapes.work_queue import (
    QueuedSolicitation,
    QueueSection,
    WorkQueue,
    WorkQueueNewcomer,
)
from shared.french import PARIS
from shared.http import Page, PageQuery, Principal


def area_of(principal: Principal) -> Area | None:
    """Where the caller steers: a referent's territory, or the region (None) for an admin."""
    if principal.role == "referent":
        return without_redundant_bassins(territory_of(principal))
    return None


async def _solicitations(
    agenda: Agenda, principal: Principal, *, escalated: bool, page: PageQuery
) -> Page[QueuedSolicitation]:
    now = agenda.now()

    def load(appointment: Appointment) -> QueuedSolicitation:
        return QueuedSolicitation.of(appointment, now)

    return await agenda.store.queue.solicitations(
        area_of(principal), escalated=escalated, page=page, load=load
    )


async def pending(
    agenda: Agenda, principal: Principal, page: PageQuery
) -> Page[QueuedSolicitation]:
    """Pending solicitations not escalated yet, the longest waiting first."""
    return await _solicitations(agenda, principal, escalated=False, page=page)


async def escalated(
    agenda: Agenda, principal: Principal, page: PageQuery
) -> Page[QueuedSolicitation]:
    """Escalated solicitations still unanswered, with the ambassadors suggested instead."""
    return await _solicitations(agenda, principal, escalated=True, page=page)


async def newcomers(
    agenda: Agenda, principal: Principal, page: PageQuery
) -> Page[WorkQueueNewcomer]:
    """The zone's solicitable ambassadors nobody has solicited yet, longest waiting first."""
    today = agenda.now().astimezone(PARIS).date()

    def load(ambassador: AmbassadorCopy) -> WorkQueueNewcomer:
        return WorkQueueNewcomer.of(ambassador, today)

    return await agenda.store.queue.newcomers(area_of(principal), page=page, load=load)


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
            total=await agenda.store.queue.count_solicitations(area, escalated=False),
            items=waiting.items,
            next_cursor=waiting.next_cursor,
        ),
        escalated=QueueSection(
            total=await agenda.store.queue.count_solicitations(area, escalated=True),
            items=stuck.items,
            next_cursor=stuck.next_cursor,
        ),
        new_ambassadors=QueueSection(
            total=await agenda.store.queue.count_newcomers(area),
            items=new.items,
            next_cursor=new.next_cursor,
        ),
    )
