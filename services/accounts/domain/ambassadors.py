"""An ambassador's solicitability and the public fields other services copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.accounts.domain.identity import initial
from shared.contracts.accounts import AmbassadorProfileChanged, Territory

# Why an ambassador cannot be solicited (stable codes other services may show).
NOT_ACTIVE = "not_active"
RESTRICTED = "restricted"
SUSPENDED = "suspended"
RECORD_REJECTED = "record_rejected"
RECORD_EXPIRED = "record_expired"
RECORD_NOT_VERIFIED = "record_not_verified"
DELETED = "deleted"


@dataclass(frozen=True)
class Solicitability:
    """Whether schools and referents may solicit an ambassador, and if not why."""

    solicitable: bool
    reason: str | None = None


def solicitability(user: dict[str, Any], *, require_record_check: bool) -> Solicitability:
    """The rule of the programme: active, not restricted, not suspended, record checked.

    A person who asked for the restriction of their data (RGPD art. 18) is kept but
    not solicited. A rejected extract always stops solicitations; a missing, pending
    or expired one only when ``REQUIRE_RECORD_CHECK`` is on. A pause is not part of
    it: it is dated, and agenda enforces it with the dates the profile event carries.
    """
    ambassador = user["ambassador"]
    if user["status"] != "active":
        return Solicitability(False, NOT_ACTIVE)
    if user.get("restriction"):
        return Solicitability(False, RESTRICTED)
    if ambassador.get("suspension"):
        return Solicitability(False, SUSPENDED)
    record = ambassador.get("record", {}).get("status", "missing")
    if record == "rejected":
        return Solicitability(False, RECORD_REJECTED)
    if require_record_check and record == "expired":
        return Solicitability(False, RECORD_EXPIRED)
    if require_record_check and record != "verified":
        return Solicitability(False, RECORD_NOT_VERIFIED)
    return Solicitability(True)


def profile_event(
    user: dict[str, Any], *, revision: int, require_record_check: bool, deleted: bool = False
) -> AmbassadorProfileChanged:
    """The full public state of an ambassador, for agenda's copy (newest revision wins)."""
    ambassador = user["ambassador"]
    job = ambassador.get("job") or {}
    training = ambassador.get("training") or {}
    availability = ambassador.get("availability") or {}
    state = (
        Solicitability(False, DELETED)
        if deleted
        else solicitability(user, require_record_check=require_record_check)
    )
    return AmbassadorProfileChanged(
        ambassador_id=user["_id"],
        revision=revision,
        first_name=user["first_name"],
        last_initial=initial(user["last_name"]),
        profile=ambassador["profile"],
        job_title=job.get("title"),
        sector=job.get("sector"),
        employer=job.get("employer"),
        organization_id=ambassador.get("organization_id"),
        training_name=training.get("name"),
        interventions=list(ambassador.get("interventions", [])),
        zone=Territory.model_validate(ambassador.get("zone") or {}),
        solicitable=state.solicitable,
        not_solicitable_reason=state.reason,
        pause_from=availability.get("pause_from"),
        pause_to=availability.get("pause_to"),
        max_solicitations_per_month=availability.get("max_solicitations_per_month"),
    )


def public_texts(user: dict[str, Any], sector_name: str | None) -> list[str]:
    """The texts free-text search reads: job, sector, training, background."""
    ambassador = user["ambassador"]
    job = ambassador.get("job") or {}
    training = ambassador.get("training") or {}
    texts = [
        job.get("title") or "",
        sector_name or "",
        training.get("name") or "",
        training.get("level") or "",
        ambassador.get("background") or "",
    ]
    return [text for text in texts if text]
