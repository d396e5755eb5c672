"""The ambassadors of a referent's territory (all of them for an admin), as a referent
moderates them: whether they can be solicited and why not, their check, their suspension."""

from __future__ import annotations

from typing import Any

from services.accounts.context import Accounts
from services.accounts.credentials import current_user
from services.accounts.domain.ambassadors import solicitability
from services.accounts.domain.identity import initial
from services.accounts.moderation import in_zone_of
from services.accounts.record_checks import renewals_due
from services.accounts.shapes.joining import Zone
from services.accounts.shapes.moderation import ModeratedAmbassador
from services.accounts.shapes.profile import RecordState, Suspension
from shared.http import Page, PageQuery, Principal
from shared.mongo import Document


async def find(
    accounts: Accounts, principal: Principal, state: str | None, page: PageQuery
) -> Page[ModeratedAmbassador]:
    """One page of the territory's ambassadors in ``state`` (all when None): by name, or
    the nearest end of check first for ``renewal_due``."""
    await current_user(accounts, principal)
    query: dict[str, Any] = {"role": "ambassador", **in_zone_of(principal)}
    if state == "suspended":
        query["ambassador.suspension.at"] = {"$type": "date"}
    elif state == "record_to_check":
        query["ambassador.record_document.uploaded_at"] = {"$type": "date"}
    sort = [("first_name", 1), ("last_name", 1)]
    if state == "renewal_due":
        query.update(renewals_due(accounts))
        sort = [("ambassador.record.valid_until", 1)]
    require_check = accounts.settings.require_record_check
    return await accounts.store.users.page(
        query, sort=sort, page=page, load=lambda user: _moderated(user, require_check)
    )


def _moderated(user: Document, require_record_check: bool) -> ModeratedAmbassador:
    part = user["ambassador"]
    job = part.get("job") or {}
    training = part.get("training") or {}
    state = solicitability(user, require_record_check=require_record_check)
    document = part.get("record_document") or {}
    return ModeratedAmbassador(
        id=user["_id"],
        name=f"{user['first_name']} {initial(user['last_name'])}",
        profile=part["profile"],
        job_title=job.get("title"),
        sector=job.get("sector"),
        training=training.get("name"),
        city=part.get("city", ""),
        department=part.get("department"),
        zone=Zone.model_construct(**(part.get("zone") or {"departments": [], "bassins": []})),
        account_status=user["status"],
        solicitable=state.solicitable,
        not_solicitable_reason=state.reason,
        record=RecordState.model_validate(part.get("record") or {"status": "missing"}),
        record_waiting_since=document.get("uploaded_at"),
        suspension=Suspension.model_validate(part["suspension"])
        if part.get("suspension")
        else None,
        joined_at=user["created_at"],
    )
