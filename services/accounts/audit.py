"""The audit log: every read of a person's data by a referent or an admin.

An entry is written once the read succeeded (a refused read showed nothing). Admins
query the log; the person sees the reads of their own data in their export. Entries
carry their own end of retention (``ACCOUNTS_AUDIT_RETENTION_DAYS``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import DESCENDING

from services.accounts.api import privacy_models as models
from services.accounts.context import Accounts
from shared.http import Page, Principal, paginate
from shared.mongo import Document

# What was read (stable codes, shown to admins and in the person's export).
AMBASSADOR_PROFILE_READ = "ambassador_profile_read"
CRIMINAL_RECORD_DOCUMENT_READ = "criminal_record_document_read"
ERASURE_RECORD_READ = "erasure_record_read"

AUDITED_ROLES = frozenset({"referent", "admin"})


async def record_read(accounts: Accounts, principal: Principal, action: str, user_id: str) -> None:
    """Write that ``principal`` read ``user_id``'s data (only referents and admins)."""
    if principal.role not in AUDITED_ROLES:
        return
    now = accounts.now()
    await accounts.store.audit.insert_one(
        {
            "_id": accounts.new_id(),
            "at": now,
            "actor_id": principal.user_id,
            "actor_role": principal.role,
            "action": action,
            "user_id": user_id,
            "expires_at": now + timedelta(days=accounts.options.audit_retention_days),
        }
    )


def _entry(row: Document) -> models.AuditEntry:
    return models.AuditEntry(
        id=row["_id"],
        at=row["at"],
        actor_id=row["actor_id"],
        actor_role=row["actor_role"],
        action=row["action"],
        user_id=row["user_id"],
    )


async def find(accounts: Accounts, query: models.AuditQuery) -> Page[models.AuditEntry]:
    """Entries matching the filters, newest first."""
    conditions: dict[str, Any] = {}
    if query.user_id:
        conditions["user_id"] = query.user_id
    if query.actor_id:
        conditions["actor_id"] = query.actor_id
    period: dict[str, Any] = {}
    if query.from_ is not None:
        period["$gte"] = query.from_
    if query.to is not None:
        period["$lt"] = query.to
    if period:
        conditions["at"] = period
    return await paginate(
        accounts.store.audit, conditions, sort=[("at", DESCENDING)], page=query, load=_entry
    )


async def reads_of(accounts: Accounts, user_id: str) -> list[dict[str, Any]]:
    """The reads of a person's data, for their own export (who by role, not by name)."""
    return [
        {"at": row["at"].isoformat(), "action": row["action"], "by_role": row["actor_role"]}
        async for row in accounts.store.audit.find({"user_id": user_id}).sort("at", DESCENDING)
    ]
