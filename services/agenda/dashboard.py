"""The lists people read: appointments (upcoming or past) and the notification feed."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING

from services.agenda import errors
from services.agenda.context import Agenda
from services.agenda.domain.model import Appointment
from services.agenda.paging import keyset_page
from services.agenda.shapes.appointments import AppointmentQuery, AppointmentView
from services.agenda.shapes.notifications import NotificationQuery, NotificationView
from services.agenda.store import LONGEST_INTERVENTION
from shared.http import Page, Principal
from shared.mongo import Document


def scope(principal: Principal) -> list[dict[str, Any]]:
    """The appointments a caller may list, as a union of index-friendly branches.

    See ``domain.access.can_see``: the same rule, as queries.
    """
    if principal.role == "ambassador":
        return [{"ambassador_id": principal.user_id}]
    if principal.role == "staff":
        if principal.establishment_uai is None:  # attachment not proved: nothing
            return [{"_id": {"$exists": False}}]
        return [{"establishment.uai": principal.establishment_uai}]
    if principal.role == "referent":
        territory = principal.territory
        branches: list[dict[str, Any]] = [{"requester_id": principal.user_id}]
        if territory is not None:
            branches += [{"establishment.department": code} for code in territory.departments]
            branches += [{"establishment.bassin": slug} for slug in territory.bassins]
        return branches
    return [{}]  # admin: the route lets no other role in


async def appointments(
    agenda: Agenda, principal: Principal, query: AppointmentQuery
) -> Page[AppointmentView]:
    """One page of the caller's appointments, upcoming (soonest first) or past (latest first).

    Upcoming means not yet over: an intervention under way is still upcoming.
    """
    now = agenda.now()
    conditions: dict[str, Any] = {}
    if query.when == "upcoming":
        # The start bound lets the index skip the past; the end says "not over".
        conditions["starts_at"] = {"$gt": now - LONGEST_INTERVENTION}
        conditions["ends_at"] = {"$gt": now}
        direction = ASCENDING
    else:
        conditions["ends_at"] = {"$lte": now}
        direction = DESCENDING
    if query.status:
        conditions["status"] = {"$in": list(dict.fromkeys(query.status))}

    def load(document: Document) -> AppointmentView:
        return AppointmentView.of(Appointment.model_validate(document))

    return await keyset_page(
        agenda.store.appointments,
        [{**branch, **conditions} for branch in scope(principal)],
        field="starts_at",
        direction=direction,
        page=query,
        load=load,
    )


async def notifications(
    agenda: Agenda, principal: Principal, query: NotificationQuery
) -> Page[NotificationView]:
    """One page of the caller's feed, newest first."""
    conditions: dict[str, Any] = {"user_id": principal.user_id}
    if query.unread is True:
        conditions["read_at"] = None
    elif query.unread is False:
        conditions["read_at"] = {"$ne": None}

    def load(document: Document) -> NotificationView:
        return NotificationView(
            id=document["_id"],
            kind=document["kind"],
            appointment_id=document.get("appointment_id"),
            call_id=document.get("call_id"),
            text=document["text"],
            created_at=document["created_at"],
            read=document["read_at"] is not None,
            read_at=document["read_at"],
        )

    return await keyset_page(
        agenda.store.notifications,
        [conditions],
        field="created_at",
        direction=DESCENDING,
        page=query,
        load=load,
    )


async def mark_read(agenda: Agenda, principal: Principal, notification_id: str) -> None:
    """Mark one line of the caller's feed as read (again is fine); 404 if not theirs."""
    mine = {"_id": notification_id, "user_id": principal.user_id}
    done = await agenda.store.notifications.update_one(
        {**mine, "read_at": None}, {"$set": {"read_at": agenda.now()}}
    )
    if done.matched_count == 0 and await agenda.store.notifications.find_one(mine) is None:
        raise errors.NOTIFICATION_NOT_FOUND.error()


async def mark_all_read(agenda: Agenda, principal: Principal) -> int:
    """Mark the caller's whole feed as read; returns how many lines changed."""
    done = await agenda.store.notifications.update_many(
        {"user_id": principal.user_id, "read_at": None}, {"$set": {"read_at": agenda.now()}}
    )
    return done.modified_count
