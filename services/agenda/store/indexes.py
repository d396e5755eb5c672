"""Agenda's collection names and their indexes, and the bounds its range queries use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.mongo import IndexSpec

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

Keys = list[tuple[str, int]]


def _by_place(
    collection: str,
    name: str,
    keys: Keys,
    *,
    department: str,
    bassin: str,
    first: Keys | None = None,
) -> list[IndexSpec]:
    """The indexes of a list read by place: a department's, a bassin's, the region's.

    The place's key comes after ``first`` (what every query of the list matches
    exactly) and before ``keys`` (the rest of the query and the sort).
    """
    lead = first or []
    return [
        IndexSpec(collection, [*lead, (department, 1), *keys], name=f"{name}_by_department"),
        IndexSpec(collection, [*lead, (bassin, 1), *keys], name=f"{name}_by_bassin"),
        IndexSpec(collection, [*lead, *keys], name=name),
    ]


def _by_establishment(collection: str) -> list[IndexSpec]:
    """An intervention list sorted by start, read for one establishment, department or
    bassin (appointments and open calls alike)."""
    return [
        IndexSpec(
            collection, [(f"establishment.{key}", 1), ("starts_at", 1), ("_id", 1)], name=name
        )
        for key, name in (
            ("uai", "by_establishment"),
            ("department", "by_department"),
            ("bassin", "by_bassin"),
        )
    ]


INDEXES = [
    # Each role's list, sorted by start (keyset pagination adds _id).
    IndexSpec(
        APPOINTMENTS, [("ambassador_id", 1), ("starts_at", 1), ("_id", 1)], name="by_ambassador"
    ),
    IndexSpec(
        APPOINTMENTS, [("requester_id", 1), ("starts_at", 1), ("_id", 1)], name="by_requester"
    ),
    *_by_establishment(APPOINTMENTS),
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
    *_by_place(
        APPOINTMENTS,
        "queue",
        [("escalated_at", 1), ("created_at", 1), ("_id", 1)],
        department="establishment.department",
        bassin="establishment.bassin",
        first=[("status", 1)],
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
    *_by_place(
        AMBASSADORS,
        "newcomers",
        [("first_solicited_at", 1), ("solicitable_since", 1), ("_id", 1)],
        department="zone_departments",
        bassin="zone_bassins",
    ),
    IndexSpec(AMBASSADORS, [("organization_id", 1)], name="by_organization"),
    # Open calls: each role's list, sorted by start.
    IndexSpec(CALLS, [("invited", 1), ("starts_at", 1), ("_id", 1)], name="by_invited"),
    IndexSpec(CALLS, [("attendees.ambassador_id", 1)], name="by_attendee"),
    IndexSpec(CALLS, [("organiser_id", 1), ("starts_at", 1), ("_id", 1)], name="by_organiser"),
    *_by_establishment(CALLS),
    IndexSpec(CALLS, [("starts_at", 1), ("_id", 1)], name="by_start"),
]
