"""Agenda's database, the one door to it: the queries and writes the use cases need,
by name. Appointments, open calls and the copies of accounts' people are reached
through ``AgendaStore``'s own methods; the feed, the calendar links, the referents'
work queue and the statistics each through a class of their own.

Collections: ``appointments``, ``calls`` (open calls for events), the copies of
accounts' people and partners (``ambassadors``, ``staff``, ``referents``,
``organizations``), ``notifications`` (``feed.py``) and ``calendar_tokens``
(``calendar_links.py``); their indexes are in ``indexes.py``. Every write that goes
with an event takes the transaction's session; reads outside a transaction read
majority-committed data (see ``shared.mongo.connect``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.agenda.domain.calls import Attendee, OpenCall
from services.agenda.domain.model import (
    HELD,
    AmbassadorCopy,
    Appointment,
    OrganizationCopy,
    ReferentCopy,
    StaffCopy,
)
from services.agenda.domain.territory import Place, bassins_of
from services.agenda.store.calendar_links import CalendarLinks
from services.agenda.store.feed import Feed
from services.agenda.store.indexes import (
    AMBASSADORS,
    APPOINTMENTS,
    CALENDAR_TOKENS,
    CALLS,
    EPOCH,
    INDEXES,
    LONGEST_INTERVENTION,
    NOTIFICATIONS,
    ORGANIZATIONS,
    REFERENTS,
    STAFF,
)
from services.agenda.store.paging import keyset_page
from services.agenda.store.scopes import appointment_scope, call_scope
from services.agenda.store.statistics import StatisticsReads
from services.agenda.store.work_queue import WorkQueueReads
from shared.http import Page, PageQuery, Principal
from shared.mongo import Document, find_one_as

__all__ = ["EPOCH", "INDEXES", "LONGEST_INTERVENTION", "AgendaStore", "Party"]

T = TypeVar("T")
Party = Literal["ambassador_id", "requester_id"]
# A copy of a person not replaced by its tombstone (``bury_copy``, ``bury_ambassador``).
NOT_BURIED: Mapping[str, Any] = {"deleted": {"$ne": True}}


class AgendaStore:
    """Agenda's collections, reached only through named methods."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self._appointments: AsyncCollection[Document] = db[APPOINTMENTS]
        self._ambassadors: AsyncCollection[Document] = db[AMBASSADORS]
        self._staff: AsyncCollection[Document] = db[STAFF]
        self._referents: AsyncCollection[Document] = db[REFERENTS]
        self._calls: AsyncCollection[Document] = db[CALLS]
        self._organizations: AsyncCollection[Document] = db[ORGANIZATIONS]
        self.feed = Feed(db[NOTIFICATIONS])
        self.calendar_links = CalendarLinks(db[CALENDAR_TOKENS])
        self.queue = WorkQueueReads(self._appointments, self._ambassadors)
        self.statistics = StatisticsReads(self._appointments, self._calls, self._ambassadors)

    # appointments --------------------------------------------------------------

    async def appointment(
        self, appointment_id: str, session: AsyncClientSession | None = None
    ) -> Appointment | None:
        """One appointment."""
        return await find_one_as(Appointment, self._appointments, {"_id": appointment_id}, session)

    async def insert(self, appointment: Appointment, session: AsyncClientSession) -> None:
        """Store a new appointment."""
        await self._appointments.insert_one(appointment.document(), session=session)

    async def save(
        self, appointment: Appointment, expected_status: str, session: AsyncClientSession
    ) -> bool:
        """Replace the appointment if its status is still ``expected_status``.

        The transaction already read it; the condition also stops a writer that read
        before a concurrent change committed (the loser changes nothing).
        """
        done = await self._appointments.replace_one(
            {"_id": appointment.id, "status": expected_status},
            appointment.document(),
            session=session,
        )
        return done.matched_count == 1

    async def replace(self, appointment: Appointment, session: AsyncClientSession) -> None:
        """Replace the appointment whatever its status (the erasure of a party)."""
        await self._appointments.replace_one(
            {"_id": appointment.id}, appointment.document(), session=session
        )

    async def of_person(
        self,
        party: Party,
        user_id: str,
        session: AsyncClientSession | None = None,
        *,
        by_start: bool = False,
    ) -> list[Appointment]:
        """Every appointment where ``user_id`` is the ambassador or the requester."""
        cursor = self._appointments.find({party: user_id}, session=session)
        if by_start:
            cursor = cursor.sort("starts_at", 1)
        return [Appointment.model_validate(document) async for document in cursor]

    async def appointments_page(
        self,
        principal: Principal,
        *,
        upcoming: bool,
        statuses: Sequence[str],
        now: datetime,
        page: PageQuery,
        load: Callable[[Appointment], T],
    ) -> Page[T]:
        """One page of the appointments ``principal`` may list, upcoming (not over yet,
        soonest first) or past (latest first), of ``statuses`` if any."""
        conditions: dict[str, Any] = _when(upcoming, now)
        if statuses:
            conditions["status"] = {"$in": list(dict.fromkeys(statuses))}
        return await keyset_page(
            self._appointments,
            [{**branch, **conditions} for branch in appointment_scope(principal)],
            field="starts_at",
            direction=ASCENDING if upcoming else DESCENDING,
            page=page,
            load=lambda document: load(Appointment.model_validate(document)),
        )

    async def forget_suggested(self, ambassador_id: str, session: AsyncClientSession) -> None:
        """Take an ambassador out of the suggestions of escalated solicitations.

        Only pending ones keep suggestions (see ``Appointment.document``): few, and
        found through the work queue's index.
        """
        escalated = {"status": "pending", "escalated_at": {"$gte": EPOCH}}
        cursor = self._appointments.find(escalated, {"suggestions": 1}, session=session)
        async for document in cursor:
            suggested = document.get("suggestions", [])
            kept = [s for s in suggested if s["ambassador_id"] != ambassador_id]
            if len(kept) != len(suggested):
                await self._appointments.update_one(
                    {"_id": document["_id"]}, {"$set": {"suggestions": kept}}, session=session
                )

    async def held_between(
        self,
        ambassador_id: str,
        start: datetime,
        end: datetime,
        session: AsyncClientSession | None = None,
    ) -> int:
        """Solicitations of an ambassador starting in [start, end) that still count."""
        return await self._appointments.count_documents(
            {
                "ambassador_id": ambassador_id,
                "starts_at": {"$gte": start, "$lt": end},
                "status": {"$in": list(HELD)},
            },
            session=session,
        )

    async def overlapping(
        self,
        ambassador_id: str,
        start: datetime,
        end: datetime,
        statuses: Sequence[str],
        *,
        exclude: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> list[Appointment]:
        """The ambassador's appointments in ``statuses`` sharing time with [start, end)."""
        query: dict[str, Any] = {
            "ambassador_id": ambassador_id,
            "starts_at": {"$gt": start - LONGEST_INTERVENTION, "$lt": end},
            "ends_at": {"$gt": start},
            "status": {"$in": list(statuses)},
        }
        if exclude is not None:
            query["_id"] = {"$ne": exclude}
        return [
            Appointment.model_validate(document)
            async for document in self._appointments.find(query, session=session)
        ]

    async def booked_among(
        self, ambassador_ids: Sequence[str], start: datetime, end: datetime, statuses: Sequence[str]
    ) -> set[str]:
        """Which of these ambassadors have an appointment sharing time with [start, end)."""
        cursor = self._appointments.find(
            {
                "ambassador_id": {"$in": list(ambassador_ids)},
                "starts_at": {"$gt": start - LONGEST_INTERVENTION, "$lt": end},
                "ends_at": {"$gt": start},
                "status": {"$in": list(statuses)},
            },
            {"ambassador_id": 1},
        )
        return {document["ambassador_id"] async for document in cursor}

    async def of_party(
        self, field: str, user_id: str, statuses: Sequence[str], *, starting_after: datetime
    ) -> list[Appointment]:
        """A party's appointments in ``statuses`` starting after a moment."""
        cursor = self._appointments.find(
            {
                field: user_id,
                "status": {"$in": list(statuses)},
                "starts_at": {"$gt": starting_after},
            }
        )
        return [Appointment.model_validate(document) async for document in cursor]

    async def for_feed(self, ambassador_id: str, *, since: datetime) -> list[Appointment]:
        """An ambassador's accepted and completed appointments starting after ``since``."""
        cursor = self._appointments.find(
            {
                "ambassador_id": ambassador_id,
                "starts_at": {"$gte": since},
                "status": {"$in": ["accepted", "completed"]},
            }
        ).sort([("starts_at", ASCENDING), ("_id", ASCENDING)])
        return [Appointment.model_validate(document) async for document in cursor]

    async def claim_due(self, now: datetime, lease: timedelta, claim: str) -> Appointment | None:
        """Atomically take the earliest appointment whose next step is due.

        Moving ``due_at`` past the lease is the claim: no other replica sees it due
        until then, and if this one dies the step comes due again and is retried.
        The update is conditioned on the ``due_at`` just read (compare-and-set): of
        replicas racing for one appointment, one wins and the others look again.
        (Not ``find_one_and_update``: the embedded store takes about 2 s for one on
        200,000 appointments, measured; ``update_one`` takes 3 ms.)
        """
        due = {"due_at": {"$gte": EPOCH, "$lte": now}}
        while True:
            candidate = await self._appointments.find_one(
                due, {"due_at": 1}, sort=[("due_at", ASCENDING)]
            )
            if candidate is None:
                return None
            taken = await self._appointments.update_one(
                {"_id": candidate["_id"], "due_at": candidate["due_at"]},
                {"$set": {"due_at": now + lease, "claim": claim}},
            )
            if taken.modified_count == 1:
                return await self.appointment(candidate["_id"])

    async def renew_claim(self, appointment_id: str, claim: str, until: datetime) -> None:
        """The heartbeat of a step in progress: keep it claimed, if still ours."""
        await self._appointments.update_one(
            {"_id": appointment_id, "claim": claim}, {"$set": {"due_at": until}}
        )

    async def claimed(
        self, appointment_id: str, claim: str, session: AsyncClientSession
    ) -> Appointment | None:
        """The appointment if the claim is still ours (read inside the step's transaction)."""
        query = {"_id": appointment_id, "claim": claim}
        return await find_one_as(Appointment, self._appointments, query, session)

    async def store_step(
        self, appointment: Appointment, claim: str, session: AsyncClientSession
    ) -> bool:
        """Write the stepped appointment and release the claim, if still ours."""
        done = await self._appointments.replace_one(
            {"_id": appointment.id, "claim": claim}, appointment.document(), session=session
        )
        return done.matched_count == 1

    async def next_due_at(self) -> datetime | None:
        """When the scheduler has something to do next."""
        document = await self._appointments.find_one(
            {"due_at": {"$gte": EPOCH}}, {"due_at": 1}, sort=[("due_at", ASCENDING)]
        )
        return document["due_at"] if document else None

    # copies of accounts' people ------------------------------------------------

    async def ambassador(
        self, ambassador_id: str, session: AsyncClientSession | None = None
    ) -> AmbassadorCopy | None:
        """Agenda's copy of one ambassador, if known."""
        return await find_one_as(AmbassadorCopy, self._ambassadors, {"_id": ambassador_id}, session)

    async def replace_ambassador_if_newer(
        self, copy: AmbassadorCopy, session: AsyncClientSession, *, seen_at: datetime
    ) -> bool:
        """Keep the newest revision: events may arrive out of order or twice.

        What agenda itself records about the ambassador (when it first saw them
        solicitable, when they were first solicited) survives the replacement.
        """
        current = await self._ambassadors.find_one(
            {"_id": copy.id},
            {"revision": 1, "solicitable_since": 1, "first_solicited_at": 1},
            session=session,
        )
        if current is not None and current["revision"] >= copy.revision:
            return False
        known = current or {}
        since = known.get("solicitable_since") or (seen_at if copy.solicitable else None)
        kept = copy.model_copy(
            update={
                "solicitable_since": since,
                "first_solicited_at": known.get("first_solicited_at"),
            }
        )
        await self._ambassadors.replace_one(
            {"_id": copy.id}, kept.document(), upsert=True, session=session
        )
        return True

    async def mark_solicited(
        self, ambassador_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """Remember the first solicitation of an ambassador (later ones change nothing)."""
        await self._ambassadors.update_one(
            {"_id": ambassador_id, "first_solicited_at": None},
            {"$set": {"first_solicited_at": at}},
            session=session,
        )

    async def lock_ambassador(self, ambassador_id: str, session: AsyncClientSession) -> None:
        """Serialise the transactions that book this ambassador.

        Two writes to one document conflict: of two concurrent accepts (or two
        solicitations against a monthly maximum) one is retried and then sees the other.
        """
        await self._ambassadors.update_one(
            {"_id": ambassador_id}, {"$inc": {"bookings": 1}}, session=session
        )

    async def candidates(
        self, *, kind: str, place: Place, sector: str | None, exclude: Sequence[str], limit: int
    ) -> list[AmbassadorCopy]:
        """Solicitable ambassadors accepting ``kind`` whose zone covers ``place``.

        Two queries (zone by department, zone by bassin) rather than one ``$or``, so
        that each is served by its index on the embedded store too. A place of unknown
        bassin is covered by whole departments only (see ``covers``).
        """
        zones: list[dict[str, Any]] = [{"zone_departments": place.department}]
        if place.bassin:
            zones.append({"zone_bassins": {"$in": [place.bassin]}})
        common: dict[str, Any] = {
            "solicitable": True,
            "deleted": False,
            "interventions": kind,
            "_id": {"$nin": list(exclude)},
        }
        if sector is not None:
            common["sector"] = sector
        found: dict[str, AmbassadorCopy] = {}
        for zone in zones:
            cursor = self._ambassadors.find({**zone, **common}).sort("_id", ASCENDING).limit(limit)
            async for document in cursor:
                found.setdefault(document["_id"], AmbassadorCopy.model_validate(document))
        return [found[key] for key in sorted(found)][:limit]

    async def bury_ambassador(self, tombstone: AmbassadorCopy, session: AsyncClientSession) -> None:
        """Replace an ambassador's copy by its tombstone (their account is deleted)."""
        await self._ambassadors.replace_one(
            {"_id": tombstone.id}, tombstone.document(), upsert=True, session=session
        )

    async def bury_copy(
        self,
        role: Literal["staff", "referent"],
        user_id: str,
        as_of: datetime,
        session: AsyncClientSession,
    ) -> None:
        """Replace a staff member's or referent's copy by a tombstone as of ``as_of``."""
        rows = self._staff if role == "staff" else self._referents
        await rows.replace_one(
            {"_id": user_id},
            {"_id": user_id, "as_of": as_of, "deleted": True},
            upsert=True,
            session=session,
        )

    async def copy_of_person(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> Document | None:
        """Agenda's live copy of a person (ambassador, staff member or referent), if any."""
        for rows in (self._ambassadors, self._staff, self._referents):
            document = await rows.find_one({"_id": user_id, **NOT_BURIED}, session=session)
            if document is not None:
                return document
        return None

    async def staff_member(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> StaffCopy | None:
        """Agenda's copy of an educational-team member."""
        return await find_one_as(StaffCopy, self._staff, {"_id": user_id, **NOT_BURIED}, session)

    async def referent(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> ReferentCopy | None:
        """Agenda's copy of a referent."""
        query = {"_id": user_id, **NOT_BURIED}
        return await find_one_as(ReferentCopy, self._referents, query, session)

    async def replace_if_newer(
        self, copy: StaffCopy | ReferentCopy | OrganizationCopy, session: AsyncClientSession
    ) -> bool:
        """Keep the copy made from the most recent event (by its ``occurred_at``), in the
        collection of its kind."""
        collection = (
            self._staff
            if isinstance(copy, StaffCopy)
            else self._referents
            if isinstance(copy, ReferentCopy)
            else self._organizations
        )
        current = await collection.find_one({"_id": copy.id}, {"as_of": 1}, session=session)
        if current is not None and current["as_of"] >= copy.as_of:
            return False
        await collection.replace_one(
            {"_id": copy.id}, copy.document(), upsert=True, session=session
        )
        return True

    async def referents_touching(self, place: Place) -> list[ReferentCopy]:
        """Active referents whose territory has the place's department or bassin."""
        alternatives: list[Mapping[str, Any]] = [
            {"departments": place.department},
            {"bassins": {"$exists": True, "$ne": []}},
        ]
        cursor = self._referents.find({"active": True, "$or": alternatives})
        return [ReferentCopy.model_validate(document) async for document in cursor]

    async def invitable(self, *, place: Place, sectors: Sequence[str]) -> list[AmbassadorCopy]:
        """Solicitable ambassadors taking part in events whose zone may cover ``place``.

        The caller applies the exact rule (``domain.calls.is_invitable``); like
        ``candidates``, one query per zone branch so each is served by its index.
        """
        bassins = [place.bassin] if place.bassin else bassins_of(place.department)
        zones: list[dict[str, Any]] = [{"zone_departments": place.department}]
        if bassins:
            zones.append({"zone_bassins": {"$in": bassins}})
        common: dict[str, Any] = {"solicitable": True, "deleted": False, "interventions": "event"}
        if sectors:
            common["sector"] = {"$in": list(sectors)}
        found: dict[str, AmbassadorCopy] = {}
        for zone in zones:
            async for document in self._ambassadors.find({**zone, **common}):
                found.setdefault(document["_id"], AmbassadorCopy.model_validate(document))
        return [found[key] for key in sorted(found)]

    # organizations ----------------------------------------------------------------

    async def employees_of(self, organization_id: str) -> dict[str, Document]:
        """The names of the ambassadors linked to an organization, by id."""
        cursor = self._ambassadors.find(
            {"organization_id": organization_id, "deleted": False},
            {"first_name": 1, "last_initial": 1},
        )
        return {document["_id"]: document async for document in cursor}

    async def completed_for_organization(
        self, organization_id: str, start: datetime, end: datetime
    ) -> list[Appointment]:
        """Interventions held in [start, end) by ambassadors of an organization, by start."""
        cursor = self._appointments.find(
            {
                "ambassador.organization_id": organization_id,
                "starts_at": {"$gte": start, "$lt": end},
                "status": "completed",
            }
        ).sort([("starts_at", 1), ("_id", 1)])
        return [Appointment.model_validate(document) async for document in cursor]

    async def organization(self, organization_id: str) -> OrganizationCopy | None:
        """Agenda's copy of a partner organization."""
        return await find_one_as(OrganizationCopy, self._organizations, {"_id": organization_id})

    # open calls ---------------------------------------------------------------------

    async def call(
        self, call_id: str, session: AsyncClientSession | None = None
    ) -> OpenCall | None:
        """One open call."""
        return await find_one_as(OpenCall, self._calls, {"_id": call_id}, session)

    async def insert_call(self, call: OpenCall, session: AsyncClientSession) -> None:
        """Store a new open call."""
        await self._calls.insert_one(call.document(), session=session)

    async def replace_call(self, call: OpenCall, session: AsyncClientSession) -> None:
        """Replace an open call whatever its state (the erasure of a person)."""
        await self._calls.replace_one({"_id": call.id}, call.document(), session=session)

    async def calls_page(
        self,
        principal: Principal,
        *,
        upcoming: bool,
        now: datetime,
        page: PageQuery,
        load: Callable[[OpenCall], T],
    ) -> Page[T]:
        """One page of the calls ``principal`` may list, upcoming (not over yet, soonest
        first) or past (latest first)."""
        conditions = _when(upcoming, now)
        return await keyset_page(
            self._calls,
            [{**branch, **conditions} for branch in call_scope(principal)],
            field="starts_at",
            direction=ASCENDING if upcoming else DESCENDING,
            page=page,
            load=lambda document: load(OpenCall.model_validate(document)),
        )

    async def calls_of_person(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> list[tuple[str, OpenCall]]:
        """The calls a person organised, came to or was invited to, each once, with how
        the person is related to it (the first of those that holds)."""
        found: dict[str, tuple[str, OpenCall]] = {}
        for relation, query in (
            ("organiser", {"organiser_id": user_id}),
            ("attendee", {"attendees.ambassador_id": user_id}),
            ("invited", {"invited": user_id}),
        ):
            async for document in self._calls.find(query, session=session):
                if document["_id"] not in found:
                    found[document["_id"]] = (relation, OpenCall.model_validate(document))
        return list(found.values())

    async def calls_with(self, user_id: str, session: AsyncClientSession) -> list[OpenCall]:
        """The calls a person came to or organised (each once)."""
        # Two queries rather than an ``$or``: each is served by its index on the embedded store.
        touched: dict[str, Document] = {}
        for query in ({"attendees.ambassador_id": user_id}, {"organiser_id": user_id}):
            async for document in self._calls.find(query, session=session):
                touched[document["_id"]] = document
        return [OpenCall.model_validate(document) for document in touched.values()]

    async def uninvite(self, user_id: str, session: AsyncClientSession) -> None:
        """Take a person out of every call's invitees."""
        await self._calls.update_many(
            {"invited": user_id}, {"$pull": {"invited": user_id}}, session=session
        )

    async def mark_full(self, call_id: str, now: datetime, session: AsyncClientSession) -> None:
        """An open call's last place was taken: it is full."""
        await self._calls.update_one(
            {"_id": call_id, "status": "open"},
            {"$set": {"status": "full", "filled_at": now, "updated_at": now}},
            session=session,
        )

    async def close_call(self, call_id: str, now: datetime, session: AsyncClientSession) -> bool:
        """Close an open or full call; False if it was already closed or cancelled."""
        done = await self._calls.update_one(
            {"_id": call_id, "status": {"$in": ["open", "full"]}},
            {"$set": {"status": "closed", "closed_at": now, "updated_at": now}},
            session=session,
        )
        return done.modified_count == 1

    async def take_place(
        self, call: OpenCall, attendee: Attendee, session: AsyncClientSession
    ) -> bool:
        """Take one place at ``call`` for ``attendee``, if one is left: one atomic write.

        The condition is checked and the place taken by the same update, so concurrent
        accepts can never overfill the call: of two racing for the last place, the
        write of one conflicts with the other's and, retried, no longer matches.
        """
        done = await self._calls.update_one(
            {
                "_id": call.id,
                "status": "open",
                "taken": {"$lt": call.places},
                "attendees.ambassador_id": {"$ne": attendee.ambassador_id},
            },
            {
                "$inc": {"taken": 1},
                "$push": {"attendees": attendee.model_dump()},
                "$set": {"updated_at": attendee.accepted_at},
            },
            session=session,
        )
        return done.modified_count == 1

    async def release_place(
        self, call_id: str, ambassador_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """Give back an attendee's place (their appointment was cancelled): the call reopens."""
        await self._calls.update_one(
            {"_id": call_id, "attendees.ambassador_id": ambassador_id},
            {
                "$inc": {"taken": -1},
                "$pull": {"attendees": {"ambassador_id": ambassador_id}},
                "$set": {"updated_at": at},
            },
            session=session,
        )
        await self._calls.update_one(
            {"_id": call_id, "status": "full"},
            {"$set": {"status": "open", "filled_at": None}},
            session=session,
        )


def _when(upcoming: bool, now: datetime) -> dict[str, Any]:
    """Upcoming means not over yet (an intervention under way still is); past, over."""
    if upcoming:
        # The start bound lets the index skip the past; the end says "not over".
        return {"starts_at": {"$gt": now - LONGEST_INTERVENTION}, "ends_at": {"$gt": now}}
    return {"ends_at": {"$lte": now}}
