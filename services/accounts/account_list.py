"""The administrators' list of accounts: search by name, address or id, by role, by
the organisation an account is attached to (a partner's contact, an employee).

Newest accounts first. The search is a prefix match (no text index: the embedded
store has none), case-insensitive on names; addresses are stored in lower case.
"""

from __future__ import annotations

import re
from typing import Any

from services.accounts.context import Accounts
from services.accounts.shapes.account_list import AccountQuery, AccountSummary
from services.accounts.shapes.joining import TerritoryIn
from services.accounts.shapes.profile import Suspension
from shared.http import Page
from shared.mongo import Document


def _conditions(query: AccountQuery) -> dict[str, Any]:
    conditions: dict[str, Any] = {}
    if query.role:
        conditions["role"] = query.role
    if query.organization_id:
        # Each branch names its role, so each uses its partial index.
        attached = [
            {"role": role, f"{role}.organization_id": query.organization_id}
            for role in ("partner", "ambassador")
            if query.role in (None, role)
        ]
        conditions["$and"] = [{"$or": attached}] if attached else [{"_id": {"$in": []}}]
    if query.q:
        start = re.escape(query.q)
        branches: list[dict[str, Any]] = [
            {"_id": query.q},
            {"email": {"$regex": f"^{re.escape(query.q.lower())}"}},
            {"first_name": {"$regex": f"^{start}", "$options": "i"}},
            {"last_name": {"$regex": f"^{start}", "$options": "i"}},
        ]
        if " " in query.q:
            first, _, last = query.q.partition(" ")
            branches.append(
                {
                    "first_name": {"$regex": f"^{re.escape(first)}", "$options": "i"},
                    "last_name": {"$regex": f"^{re.escape(last.strip())}", "$options": "i"},
                }
            )
        conditions["$or"] = branches
    return conditions


def summary(user: Document) -> AccountSummary:
    """What an administrator sees of an account."""
    territory = (user.get("referent") or {}).get("territory")
    suspension = (user.get("ambassador") or {}).get("suspension")
    return AccountSummary(
        id=user["_id"],
        first_name=user.get("first_name") or "",
        last_name=user.get("last_name") or "",
        email=user.get("email") or "",
        role=user["role"],
        status=user["status"],
        created_at=user["created_at"],
        last_seen_at=user.get("last_seen_at"),
        territory=TerritoryIn.model_validate(territory) if territory else None,
        establishment=((user.get("staff") or {}).get("establishment") or {}).get("name"),
        organization_id=(
            (user.get("partner") or {}).get("organization_id")
            or (user.get("ambassador") or {}).get("organization_id")
        ),
        suspension=Suspension.model_validate(suspension) if suspension else None,
    )


async def find(accounts: Accounts, query: AccountQuery) -> Page[AccountSummary]:
    """One page of the accounts matching ``query``, newest first."""
    return await accounts.store.users.page(
        _conditions(query),
        sort=[("created_at", -1)],
        page=query.paging(),
        load=summary,
    )


async def one(accounts: Accounts, user_id: str) -> AccountSummary | None:
    """One account, if it exists."""
    user = await accounts.store.users.by_id(user_id)
    return summary(user) if user else None
