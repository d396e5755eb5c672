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
