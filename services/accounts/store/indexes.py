"""The accounts database's collections and their indexes, created at start-up.

Collections: ``users`` (one document per person, role-specific parts nested),
``link_tokens`` (hashes of the tokens in emailed links), ``sessions`` (refresh-token
families), ``throttles`` (rate-limit counters), ``charter_acceptances``,
``organizations``, ``record_documents`` (criminal-record extracts awaiting a decision),
``directory`` (listed ambassadors and their search keys), ``directory_terms``
(document frequency of each search key), ``meta``, and for personal data:
``audit`` (reads of people's data by referents and admins), ``erasures`` (which
services confirmed a deleted account's erasure), ``export_requests`` and
``export_parts`` (the other services' answers to an export, kept until delivered); and
``partner_requests`` (organisations asking to become partners, kept a year).
"""

from __future__ import annotations

from shared.mongo import IndexSpec

# Expired rows are swept by MongoDB this long after their expiry; the rules themselves
# check expiry in code (a TTL sweep runs once a minute at best).
_CLEANUP_GRACE_SECONDS = 86_400
# Export requests and parts nobody collected (the person gave up) go after a day: the
# parts hold personal data that must not linger.
_EXPORT_CLEANUP_SECONDS = 86_400


def _cleanup(collection: str, *, field: str = "expires_at", after_seconds: int = 0) -> IndexSpec:
    """The TTL index by which MongoDB deletes a row ``after_seconds`` past its ``field``."""
    return IndexSpec(
        collection, [(field, 1)], name="expired_cleanup", expire_after_seconds=after_seconds
    )


INDEXES: list[IndexSpec] = [
    IndexSpec("users", [("email", 1)], name="email_unique", unique=True),
    IndexSpec("users", [("role", 1), ("status", 1)], name="role_status"),
    IndexSpec(
        "users",
        [("ambassador.organization_id", 1)],
        name="ambassador_organization",
        partial={"role": "ambassador"},
    ),
    IndexSpec("link_tokens", [("user_id", 1), ("purpose", 1)], name="user_purpose"),
    _cleanup("link_tokens", after_seconds=_CLEANUP_GRACE_SECONDS),
    IndexSpec("sessions", [("user_id", 1)], name="user"),
    _cleanup("sessions", after_seconds=_CLEANUP_GRACE_SECONDS),
    _cleanup("throttles"),
    IndexSpec("charter_acceptances", [("user_id", 1), ("accepted_at", 1)], name="user"),
    IndexSpec(
        "organizations",
        [("siret", 1)],
        name="siret_unique",
        unique=True,
        partial={"siret": {"$type": "string"}},
    ),
    IndexSpec("organizations", [("name_key", 1), ("_id", 1)], name="name"),
    IndexSpec("directory", [("keys", 1), ("slice", 1), ("_id", 1)], name="search"),
    # Referents' work queue: extracts waiting for a decision, oldest first.
    IndexSpec(
        "users",
        [("ambassador.record_document.uploaded_at", 1), ("_id", 1)],
        name="record_queue",
        partial={"ambassador.record_document.uploaded_at": {"$type": "date"}},
    ),
    # The record-check worker: verified checks by end of validity.
    IndexSpec(
        "users",
        [("ambassador.record.status", 1), ("ambassador.record.valid_until", 1)],
        name="record_validity",
        partial={"role": "ambassador"},
    ),
    # The retention worker: accounts by last sign-in, those already warned, and those
    # never activated by age.
    IndexSpec("users", [("last_seen_at", 1)], name="last_seen"),
    # The administrators' list of accounts, newest first, of all roles or one.
    IndexSpec("users", [("created_at", -1), ("_id", -1)], name="newest"),
    IndexSpec("users", [("role", 1), ("created_at", -1), ("_id", -1)], name="newest_by_role"),
    IndexSpec("users", [("status", 1), ("created_at", 1)], name="status_created"),
    IndexSpec(
        "users",
        [("inactivity_warned_at", 1)],
        name="inactivity_warned",
        partial={"inactivity_warned_at": {"$type": "date"}},
    ),
    IndexSpec(
        "users",
        [("partner.organization_id", 1)],
        name="partner_organization",
        partial={"role": "partner"},
    ),
    IndexSpec("audit", [("user_id", 1), ("at", -1), ("_id", -1)], name="by_user"),
    IndexSpec("audit", [("actor_id", 1), ("at", -1), ("_id", -1)], name="by_actor"),
    IndexSpec("audit", [("at", -1), ("_id", -1)], name="by_time"),
    # Clean-up only: the retention is written on each entry as it is made.
    _cleanup("audit"),
    IndexSpec("erasures", [("requested_at", -1), ("_id", -1)], name="by_time"),
    IndexSpec(
        "erasures", [("completed_at", 1), ("requested_at", -1), ("_id", -1)], name="by_state"
    ),
    IndexSpec("export_requests", [("user_id", 1), ("created_at", -1)], name="by_user"),
    _cleanup("export_requests", field="created_at", after_seconds=_EXPORT_CLEANUP_SECONDS),
    IndexSpec("export_parts", [("request_id", 1)], name="by_request"),
    _cleanup("export_parts", field="received_at", after_seconds=_EXPORT_CLEANUP_SECONDS),
    # Partnership requests, newest first for the admins; clean-up after their retention.
    IndexSpec("partner_requests", [("created_at", -1), ("_id", -1)], name="by_time"),
    IndexSpec(
        "partner_requests", [("status", 1), ("created_at", -1), ("_id", -1)], name="by_status"
    ),
    _cleanup("partner_requests"),
]
