"""Agenda's error catalogue: each answer a client may get (its French wording: data/errors.toml)."""

from __future__ import annotations

from shared.http import ErrorCatalogue, ErrorKind

CATALOGUE = ErrorCatalogue.of_package("services.agenda")

# Who may act ---------------------------------------------------------------------
APPOINTMENT_NOT_FOUND = CATALOGUE.kind(404, "appointment_not_found")
NOTIFICATION_NOT_FOUND = CATALOGUE.kind(404, "notification_not_found")
CALENDAR_NOT_FOUND = CATALOGUE.kind(404, "calendar_not_found")
ALTERNATIVE_NOT_FOUND = CATALOGUE.kind(404, "alternative_not_found")
NOT_THE_AMBASSADOR = CATALOGUE.kind(403, "not_the_ambassador")
NOT_THE_REQUESTER = CATALOGUE.kind(403, "not_the_requester")
NOT_A_PARTY = CATALOGUE.kind(403, "not_a_party")
ESTABLISHMENT_NOT_YOURS = CATALOGUE.kind(403, "establishment_not_yours")
OUTSIDE_TERRITORY = CATALOGUE.kind(403, "outside_territory")

# Rules of a solicitation -----------------------------------------------------------
ESTABLISHMENT_REQUIRED = CATALOGUE.kind(422, "establishment_required")
AMBASSADOR_NOT_FOUND = CATALOGUE.kind(422, "ambassador_not_found")
AMBASSADOR_DELETED = CATALOGUE.kind(422, "ambassador_deleted")
AMBASSADOR_SUSPENDED = CATALOGUE.kind(422, "ambassador_suspended")
AMBASSADOR_NOT_VERIFIED = CATALOGUE.kind(422, "ambassador_not_verified")
AMBASSADOR_NOT_ACTIVE = CATALOGUE.kind(422, "ambassador_not_active")
AMBASSADOR_UNAVAILABLE = CATALOGUE.kind(422, "ambassador_unavailable")
AMBASSADOR_PAUSED = CATALOGUE.kind(422, "ambassador_paused")
MONTHLY_MAXIMUM_REACHED = CATALOGUE.kind(422, "monthly_maximum_reached")
KIND_NOT_ACCEPTED = CATALOGUE.kind(422, "kind_not_accepted")
OUTSIDE_ZONE = CATALOGUE.kind(422, "outside_zone")
# Why the chosen ambassador cannot receive a solicitation: a new one and one a referent
# redirects to another ambassador are refused alike.
AMBASSADOR_REFUSALS: tuple[ErrorKind, ...] = (
    AMBASSADOR_NOT_FOUND,
    AMBASSADOR_DELETED,
    AMBASSADOR_SUSPENDED,
    AMBASSADOR_NOT_VERIFIED,
    AMBASSADOR_NOT_ACTIVE,
    AMBASSADOR_UNAVAILABLE,
    AMBASSADOR_PAUSED,
    MONTHLY_MAXIMUM_REACHED,
    KIND_NOT_ACCEPTED,
    OUTSIDE_ZONE,
)
CLASS_PRESENTATION_TOO_LONG = CATALOGUE.kind(422, "class_presentation_too_long")
START_IN_PAST = CATALOGUE.kind(422, "start_in_past")
ONLINE_URL_REQUIRED = CATALOGUE.kind(422, "online_url_required")
TEAM_MEMBER_REQUIRED = CATALOGUE.kind(422, "team_member_required")

# Status machine --------------------------------------------------------------------
NOT_PENDING = CATALOGUE.kind(409, "not_pending")
NOT_CANCELLABLE = CATALOGUE.kind(409, "not_cancellable")
ALREADY_STARTED = CATALOGUE.kind(409, "already_started")
NOT_REFUSED = CATALOGUE.kind(409, "not_refused")
ALTERNATIVE_ALREADY_TAKEN = CATALOGUE.kind(409, "alternative_already_taken")
OVERLAPPING_APPOINTMENT = CATALOGUE.kind(409, "overlapping_appointment")
NOT_FINISHED = CATALOGUE.kind(409, "not_finished")
NOT_ACCEPTED = CATALOGUE.kind(409, "not_accepted")
NOT_HELD = CATALOGUE.kind(409, "not_held")
FEEDBACK_ALREADY_GIVEN = CATALOGUE.kind(409, "feedback_already_given")
CHANGED_MEANWHILE = CATALOGUE.kind(409, "changed_meanwhile")

# Referents' tools -------------------------------------------------------------------
SAME_AMBASSADOR = CATALOGUE.kind(422, "same_ambassador")
INVALID_PERIOD = CATALOGUE.kind(422, "invalid_period")
BASSIN_NOT_IN_DEPARTMENT = CATALOGUE.kind(422, "bassin_not_in_department")

# Open calls for events ----------------------------------------------------------------
CALL_NOT_FOUND = CATALOGUE.kind(404, "call_not_found")
CALL_FULL = CATALOGUE.kind(409, "call_full")
CALL_CLOSED = CATALOGUE.kind(409, "call_closed")
CALL_STARTED = CATALOGUE.kind(409, "call_started")
ALREADY_ATTENDING = CATALOGUE.kind(409, "already_attending")

# Partners -----------------------------------------------------------------------------
ORGANIZATION_NOT_FOUND = CATALOGUE.kind(404, "organization_not_found")
