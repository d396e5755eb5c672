"""Agenda's MongoDB collections, their indexes, and the queries the use cases need.

Every write that goes with an event takes the transaction's session; reads outside a
transaction read majority-committed data (see ``shared.mongo.connect``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
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
from shared.mongo import Document, IndexSpec

APPOINTMENTS = "appointments"
AMBASSADORS = "ambassadors"
STAFF = "staff"
REFERENTS = "referents"
NOTIFICATIONS = "notifications"
CALENDAR_TOKENS = "calendar_tokens"
CALLS = "calls"
ORGANIZATIONS = "organizations"

# Lower bound of every "due" query: a two-sided range keeps the embedded store on the
# index (with only ``$lte`` it also walks the appointments with no due time).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The longest intervention (a week-long discovery internship): it bounds the index
# range of "what overlaps this slot" queries.
LONGEST_INTERVENTION = timedelta(days=7)

INDEXES = [
    # Each role's list, sorted by start (keyset pagination adds _id).
    IndexSpec(
        APPOINTMENTS, [("ambassador_id", 1), ("starts_at", 1), ("_id", 1)], name="by_ambassador"
    ),
    IndexSpec(
        APPOINTMENTS, [("requester_id", 1), ("starts_at", 1), ("_id", 1)], name="by_requester"
    ),
    IndexSpec(
        APPOINTMENTS,
        [("establishment.uai", 1), ("starts_at", 1), ("_id", 1)],
        name="by_establishment",
    ),
    IndexSpec(
        APPOINTMENTS,
        [("establishment.department", 1), ("starts_at", 1), ("_id", 1)],
        name="by_department",
    ),
    IndexSpec(
        APPOINTMENTS,
        [("establishment.bassin", 1), ("starts_at", 1), ("_id", 1)],
        name="by_bassin",
    ),
    # The scheduler's claim: the earliest due appointment first.
    IndexSpec(APPOINTMENTS, [("due_at", 1)], name="due"),
    IndexSpec(AMBASSADORS, [("zone_departments", 1), ("solicitable", 1)], name="by_department"),
    IndexSpec(AMBASSADORS, [("zone_bassins", 1), ("solicitable", 1)], name="by_bassin"),
    IndexSpec(REFERENTS, [("departments", 1)], name="by_department"),
    IndexSpec(REFERENTS, [("bassins", 1)], name="by_bassin"),
    IndexSpec(NOTIFICATIONS, [("user_id", 1), ("created_at", -1), ("_id", -1)], name="feed"),
    IndexSpec(CALENDAR_TOKENS, [("token_hash", 1)], name="token", unique=True),
    # Referents' work queue: pending solicitations of a place, escalated or not, oldest
    # first. ``escalated_at`` is in the keys: the embedded store's planner uses an
    # index only when every field of the query is in it (it scanned 20,000
    # appointments for the Nord's queue without it: 0.7 s; 35 ms with it, measured).
    IndexSpec(
        APPOINTMENTS,
        [
            ("status", 1),
            ("establishment.department", 1),
            ("escalated_at", 1),
            ("created_at", 1),
            ("_id", 1),
        ],
        name="queue_by_department",
    ),
    IndexSpec(
        APPOINTMENTS,
        [
            ("status", 1),
            ("establishment.bassin", 1),
            ("escalated_at", 1),
            ("created_at", 1),
            ("_id", 1),
        ],
        name="queue_by_bassin",
    ),
    IndexSpec(
        APPOINTMENTS,
        [("status", 1), ("escalated_at", 1), ("created_at", 1), ("_id", 1)],
        name="queue",
    ),
    # The region's statistics over a period (a territory's use by_department/by_bassin).
    IndexSpec(APPOINTMENTS, [("starts_at", 1)], name="by_start"),
    # What was written since the statistics last looked (``monthly_figures``).
    IndexSpec(APPOINTMENTS, [("updated_at", 1)], name="by_update"),
    # A partner's yearly report.
    IndexSpec(
        APPOINTMENTS, [("ambassador.organization_id", 1), ("starts_at", 1)], name="by_organization"
    ),
    # Newcomers nobody has solicited yet, longest waiting first.
    IndexSpec(
        AMBASSADORS,
        [("zone_departments", 1), ("first_solicited_at", 1), ("solicitable_since", 1), ("_id", 1)],
        name="newcomers_by_department",
    ),
    IndexSpec(
        AMBASSADORS,
        [("zone_bassins", 1), ("first_solicited_at", 1), ("solicitable_since", 1), ("_id", 1)],
        name="newcomers_by_bassin",
    ),
    IndexSpec(
        AMBASSADORS,
        [("first_solicited_at", 1), ("solicitable_since", 1), ("_id", 1)],
        name="newcomers",
    ),
    IndexSpec(AMBASSADORS, [("organization_id", 1)], name="by_organization"),
    # Open calls: each role's list, sorted by start.
    IndexSpec(CALLS, [("invited", 1), ("starts_at", 1), ("_id", 1)], name="by_invited"),
    IndexSpec(CALLS, [("attendees.ambassador_id", 1)], name="by_attendee"),
    IndexSpec(CALLS, [("organiser_id", 1), ("starts_at", 1), ("_id", 1)], name="by_organiser"),
    IndexSpec(
        CALLS, [("establishment.uai", 1), ("starts_at", 1), ("_id", 1)], name="by_establishment"
    ),
    IndexSpec(
        CALLS,
        [("establishment.department", 1), ("starts_at", 1), ("_id", 1)],
        name="by_department",
    ),
    IndexSpec(CALLS, [("establishment.bassin", 1), ("starts_at", 1), ("_id", 1)], name="by_bassin"),
    IndexSpec(CALLS, [("starts_at", 1), ("_id", 1)], name="by_start"),
]


class AgendaStore:
    """Agenda's collections."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.appointments: AsyncCollection[Document] = db[APPOINTMENTS]
        self.ambassadors: AsyncCollection[Document] = db[AMBASSADORS]
        self.staff: AsyncCollection[Document] = db[STAFF]
        self.referents: AsyncCollection[Document] = db[REFERENTS]
        self.notifications: AsyncCollection[Document] = db[NOTIFICATIONS]
        self.calendar_tokens: AsyncCollection[Document] = db[CALENDAR_TOKENS]
        self.calls: AsyncCollection[Document] = db[CALLS]
        self.organizations: AsyncCollection[Document] = db[ORGANIZATIONS]

    # appointments --------------------------------------------------------------

    async def appointment(
        self, appointment_id: str, session: AsyncClientSession | None = None
    ) -> Appointment | None:
        """One appointment."""
        document = await self.appointments.find_one({"_id": appointment_id}, session=session)
        return Appointment.model_validate(document) if document else None

    async def insert(self, appointment: Appointment, session: AsyncClientSession) -> None:
        """Store a new appointment."""
        await self.appointments.insert_one(appointment.document(), session=session)

    async def save(
        self, appointment: Appointment, expected_status: str, session: AsyncClientSession
    ) -> bool:
        """Replace the appointment if its status is still ``expected_status``.

        The transaction already read it; the condition also stops a writer that read
        before a concurrent change committed (the loser changes nothing).
        """
        done = await self.appointments.replace_one(
            {"_id": appointment.id, "status": expected_status},
            appointment.document(),
            session=session,
        )
        return done.matched_count == 1

    async def held_between(
        self,
        ambassador_id: str,
        start: datetime,
        end: datetime,
        session: AsyncClientSession | None = None,
    ) -> int:
        """Solicitations of an ambassador starting in [start, end) that still count."""
        return await self.appointments.count_documents(
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
            async for document in self.appointments.find(query, session=session)
        ]

    async def booked_among(
        self, ambassador_ids: Sequence[str], start: datetime, end: datetime, statuses: Sequence[str]
    ) -> set[str]:
        """Which of these ambassadors have an appointment sharing time with [start, end)."""
        cursor = self.appointments.find(
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
        cursor = self.appointments.find(
            {
                field: user_id,
                "status": {"$in": list(statuses)},
                "starts_at": {"$gt": starting_after},
            }
        )
        return [Appointment.model_validate(document) async for document in cursor]

    async def for_feed(self, ambassador_id: str, *, since: datetime) -> list[Appointment]:
        """An ambassador's accepted and completed appointments starting after ``since``."""
        cursor = self.appointments.find(
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
            candidate = await self.appointments.find_one(
                due, {"due_at": 1}, sort=[("due_at", ASCENDING)]
            )
            if candidate is None:
                return None
            taken = await self.appointments.update_one(
                {"_id": candidate["_id"], "due_at": candidate["due_at"]},
                {"$set": {"due_at": now + lease, "claim": claim}},
            )
            if taken.modified_count == 1:
                return await self.appointment(candidate["_id"])

    async def renew_claim(self, appointment_id: str, claim: str, until: datetime) -> None:
        """The heartbeat of a step in progress: keep it claimed, if still ours."""
        await self.appointments.update_one(
            {"_id": appointment_id, "claim": claim}, {"$set": {"due_at": until}}
        )

    async def claimed(
        self, appointment_id: str, claim: str, session: AsyncClientSession
    ) -> Appointment | None:
        """The appointment if the claim is still ours (read inside the step's transaction)."""
        document = await self.appointments.find_one(
            {"_id": appointment_id, "claim": claim}, session=session
        )
        return Appointment.model_validate(document) if document else None

    async def store_step(
        self, appointment: Appointment, claim: str, session: AsyncClientSession
    ) -> bool:
        """Write the stepped appointment and release the claim, if still ours."""
        done = await self.appointments.replace_one(
            {"_id": appointment.id, "claim": claim}, appointment.document(), session=session
        )
        return done.matched_count == 1

    async def next_due_at(self) -> datetime | None:
        """When the scheduler has something to do next."""
        document = await self.appointments.find_one(
            {"due_at": {"$gte": EPOCH}}, {"due_at": 1}, sort=[("due_at", ASCENDING)]
        )
        return document["due_at"] if document else None

    # copies of accounts' people ------------------------------------------------

    async def ambassador(
        self, ambassador_id: str, session: AsyncClientSession | None = None
    ) -> AmbassadorCopy | None:
        """Agenda's copy of one ambassador, if known."""
        document = await self.ambassadors.find_one({"_id": ambassador_id}, session=session)
        return AmbassadorCopy.model_validate(document) if document else None

    async def replace_ambassador_if_newer(
        self, copy: AmbassadorCopy, session: AsyncClientSession, *, seen_at: datetime
    ) -> bool:
        """Keep the newest revision: events may arrive out of order or twice.

        What agenda itself records about the ambassador (when it first saw them
        solicitable, when they were first solicited) survives the replacement.
        """
        current = await self.ambassadors.find_one(
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
        await self.ambassadors.replace_one(
            {"_id": copy.id}, kept.document(), upsert=True, session=session
        )
        return True

    async def mark_solicited(
        self, ambassador_id: str, at: datetime, session: AsyncClientSession
    ) -> None:
        """Remember the first solicitation of an ambassador (later ones change nothing)."""
        await self.ambassadors.update_one(
            {"_id": ambassador_id, "first_solicited_at": None},
            {"$set": {"first_solicited_at": at}},
            session=session,
        )

    async def lock_ambassador(self, ambassador_id: str, session: AsyncClientSession) -> None:
        """Serialise the transactions that book this ambassador.

        Two writes to one document conflict: of two concurrent accepts (or two
        solicitations against a monthly maximum) one is retried and then sees the other.
        """
        await self.ambassadors.update_one(
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
            cursor = self.ambassadors.find({**zone, **common}).sort("_id", ASCENDING).limit(limit)
            async for document in cursor:
                found.setdefault(document["_id"], AmbassadorCopy.model_validate(document))
        return [found[key] for key in sorted(found)][:limit]

    async def staff_member(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> StaffCopy | None:
        """Agenda's copy of an educational-team member."""
        document = await self.staff.find_one({"_id": user_id}, session=session)
        if document is None or document.get("deleted"):
            return None
        return StaffCopy.model_validate(document)

    async def referent(
        self, user_id: str, session: AsyncClientSession | None = None
    ) -> ReferentCopy | None:
        """Agenda's copy of a referent."""
        document = await self.referents.find_one({"_id": user_id}, session=session)
        if document is None or document.get("deleted"):
            return None
        return ReferentCopy.model_validate(document)

    async def replace_if_newer(
        self,
        collection: AsyncCollection[Document],
        copy: StaffCopy | ReferentCopy | OrganizationCopy,
        session: AsyncClientSession,
    ) -> bool:
        """Keep the copy made from the most recent event (by its ``occurred_at``)."""
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
        cursor = self.referents.find({"active": True, "$or": alternatives})
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
            async for document in self.ambassadors.find({**zone, **common}):
                found.setdefault(document["_id"], AmbassadorCopy.model_validate(document))
        return [found[key] for key in sorted(found)]

    # organizations ----------------------------------------------------------------

    async def organization(self, organization_id: str) -> OrganizationCopy | None:
        """Agenda's copy of a partner organization."""
        document = await self.organizations.find_one({"_id": organization_id})
        return OrganizationCopy.model_validate(document) if document else None

    # open calls ---------------------------------------------------------------------

    async def call(
        self, call_id: str, session: AsyncClientSession | None = None
    ) -> OpenCall | None:
        """One open call."""
        document = await self.calls.find_one({"_id": call_id}, session=session)
        return OpenCall.model_validate(document) if document else None

    async def take_place(
        self, call: OpenCall, attendee: Attendee, session: AsyncClientSession
    ) -> bool:
        """Take one place at ``call`` for ``attendee``, if one is left: one atomic write.

        The condition is checked and the place taken by the same update, so concurrent
        accepts can never overfill the call: of two racing for the last place, the
        write of one conflicts with the other's and, retried, no longer matches.
        """
        done = await self.calls.update_one(
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
        await self.calls.update_one(
            {"_id": call_id, "attendees.ambassador_id": ambassador_id},
            {
                "$inc": {"taken": -1},
                "$pull": {"attendees": {"ambassador_id": ambassador_id}},
                "$set": {"updated_at": at},
            },
            session=session,
        )
        await self.calls.update_one(
            {"_id": call_id, "status": "full"},
            {"$set": {"status": "open", "filled_at": None}},
            session=session,
        )
