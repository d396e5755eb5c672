"""Referents confirm that a person works at the establishment they named.

A member of an educational team without an academic address waits in the work queue of
the referents whose territory holds the establishment (exactly: a referent of a bassin
sees a Nord establishment only when its bassin is known to be theirs). The decision is
told to the person by email; a confirmation opens the establishment's data at once
(their tokens are withdrawn, and the site gets a new one that carries it).
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.credentials import current_user
from services.accounts.domain.staff import stored_establishment
from services.accounts.errors import NOT_YOUR_ESTABLISHMENTS, STAFF_ALREADY_DECIDED, STAFF_NOT_FOUND
from services.accounts.shapes.moderation import StaffDecision, StaffToVerify
from services.accounts.shapes.profile import StaffEstablishment, StaffVerification
from shared.contracts.accounts import StaffVerificationDecided, TokensRevoked
from shared.http import Page, PageQuery, Principal
from shared.mongo import Document

PENDING = "pending"


def _territory_branches(principal: Principal) -> list[dict[str, Any]] | None:
    """Which establishments a referent answers for, as query branches; None for an admin."""
    if principal.role == "admin":
        return None
    territory = principal.territory
    if principal.role != "referent" or territory is None:
        return []
    branches: list[dict[str, Any]] = []
    if territory.departments:
        branches.append({"staff.establishment.department": {"$in": list(territory.departments)}})
    if territory.bassins:
        branches.append({"staff.establishment.bassin": {"$in": list(territory.bassins)}})
    return branches


def answers_for(principal: Principal, establishment: dict[str, Any]) -> bool:
    """Whether the caller may decide for a person of this establishment."""
    if principal.role == "admin":
        return True
    territory = principal.territory
    if principal.role != "referent" or territory is None:
        return False
    bassin = establishment.get("bassin")
    return establishment["department"] in territory.departments or (
        bassin is not None and bassin in territory.bassins
    )


def _to_verify(user: Document) -> StaffToVerify:
    staff = user["staff"]
    return StaffToVerify(
        user_id=user["_id"],
        first_name=user["first_name"],
        last_name=user["last_name"],
        email=user["email"],
        position=staff["position"],
        establishment=StaffEstablishment(**stored_establishment(staff)),
        since=staff["verification"].get("since"),
        decision_url=f"/api/accounts/staff/{user['_id']}/verification",
    )


async def staff_to_verify(
    accounts: Accounts, principal: Principal, page: PageQuery
) -> Page[StaffToVerify]:
    """Active staff waiting for a confirmation, oldest first: a referent's territory, or all
    for admins."""
    await current_user(accounts, principal)
    query: dict[str, Any] = {
        "role": "staff",
        "status": "active",
        "staff.verification.status": PENDING,
    }
    branches = _territory_branches(principal)
    if branches is not None:
        if not branches:
            return Page[StaffToVerify](items=[], next_cursor=None)
        query["$or"] = branches
    return await accounts.store.users.page(
        query,
        sort=[("staff.verification.since", 1)],
        page=page,
        load=_to_verify,
    )


async def decide(
    accounts: Accounts, principal: Principal, user_id: str, body: StaffDecision
) -> StaffVerification:
    """Confirm or refuse a pending attachment; the person is told by email."""
    await current_user(accounts, principal)
    user = await accounts.store.users.by_id(user_id, role="staff")
    if user is None:
        raise STAFF_NOT_FOUND.error()
    establishment = stored_establishment(user["staff"])
    if not answers_for(principal, establishment):
        raise NOT_YOUR_ESTABLISHMENTS.error()
    now = accounts.now()
    verification = {
        "status": body.decision,
        "by": principal.user_id,
        "at": now,
        "reason": body.reason if body.decision == "refused" else None,
    }

    async def work(session: AsyncClientSession) -> None:
        decided = await accounts.store.users.change(
            user_id,
            {"staff.verification": verification, "updated_at": now},
            where={"role": "staff", "staff.verification.status": PENDING},
            session=session,
        )
        if decided is None:
            raise STAFF_ALREADY_DECIDED.error()
        event = StaffVerificationDecided(
            user_id=user_id,
            decision=body.decision,
            establishment_name=establishment["name"],
            reason=verification["reason"],
            decided_at=now,
        )
        await accounts.ctx.outbox.add(event, session)
        if body.decision == "verified":
            # The site's next token carries the establishment: it need not wait 15 min.
            revoked = TokensRevoked(user_id=user_id, not_before=now, reason="scope_changed")
            await accounts.ctx.outbox.add(revoked, session)

    await accounts.ctx.transaction(work)
    return StaffVerification(
        status=body.decision, at=now, reason=verification["reason"], by_academic_address=False
    )
