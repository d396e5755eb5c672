"""Retention of accounts nobody uses: a warning, then deletion (CNIL: no data kept forever).

An account without any sign-in (or session refresh) for ``ACCOUNTS_INACTIVITY_WARNING_DAYS``
is warned by email (``accounts.user.inactivity_warned``); if still nobody signed in
``ACCOUNTS_INACTIVITY_GRACE_DAYS`` later, it is deleted like a self-service deletion
(``accounts.user.deleted`` with the reason ``inactivity``: every service erases its
part). Signing in clears the warning. Admin accounts are left alone: the operators
of the platform manage them.

An account never activated (sign-up or creation by an admin whose link nobody
followed) is deleted ``ACCOUNTS_UNCONFIRMED_RETENTION_DAYS`` after it was made, without
warning (its address was never proven to be its owner's), with the reason
``unconfirmed``: the notifier still holds the address its confirmation email went to.

The warning is a conditional write with its event in one transaction; a deletion
re-reads the account inside its transaction, so a sign-in or an activation that lands
meanwhile wins.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.domain.account_holder import account_holder
from services.accounts.due_users import change_each
from services.accounts.erasure import erase_account
from shared.contracts.accounts import DeletionReason, InactivityWarned
from shared.mongo import Document
from shared.periodic import every

log = logging.getLogger("services.accounts.retention")

EXEMPT_ROLES = ("admin",)


async def run(accounts: Accounts) -> None:
    """Apply the retention rule until cancelled."""
    await every(
        accounts.options.lifecycle_poll_seconds, lambda: run_once(accounts), what="retention pass"
    )


async def run_once(accounts: Accounts) -> tuple[int, int, int]:
    """One pass: (accounts warned, deleted after inactivity, never activated and deleted)."""
    now = accounts.now()
    return (
        await _warn(accounts, now),
        await _delete_inactive(accounts, now),
        await _delete_unconfirmed(accounts, now),
    )


async def _warn(accounts: Accounts, now: datetime) -> int:
    options = accounts.options
    due: dict[str, Any] = {
        "last_seen_at": {"$lte": now - timedelta(days=options.inactivity_warning_days)},
        "inactivity_warned_at": None,
        "status": "active",
        "role": {"$nin": list(EXEMPT_ROLES)},
    }
    deletion_at = now + timedelta(days=options.inactivity_grace_days)

    async def warn(user: Document, session: AsyncClientSession) -> dict[str, int]:
        await accounts.store.users.set(user["_id"], {"inactivity_warned_at": now}, session=session)
        warning = InactivityWarned(**account_holder(user), deletion_at=deletion_at)
        await accounts.ctx.outbox.add(warning, session)
        return {}

    return len(await change_each(accounts, due, warn))


async def _delete_inactive(accounts: Accounts, now: datetime) -> int:
    due: dict[str, Any] = {
        "inactivity_warned_at": {
            "$lte": now - timedelta(days=accounts.options.inactivity_grace_days)
        },
        "status": "active",
        "role": {"$nin": list(EXEMPT_ROLES)},
    }
    return await _delete_due(accounts, due, reason="inactivity")


async def _delete_unconfirmed(accounts: Accounts, now: datetime) -> int:
    due: dict[str, Any] = {
        "status": "pending_confirmation",
        "created_at": {"$lte": now - timedelta(days=accounts.options.unconfirmed_retention_days)},
    }
    return await _delete_due(accounts, due, reason="unconfirmed")


async def _delete_due(accounts: Accounts, due: dict[str, Any], *, reason: DeletionReason) -> int:
    """Erase every account ``due`` selects, each in its own transaction."""

    async def erase(user: Document, session: AsyncClientSession) -> dict[str, int]:
        return await erase_account(accounts, user, reason=reason, session=session)

    deleted = await change_each(accounts, due, erase)
    for user_id in deleted:
        log.info(
            "account deleted by the retention rule", extra={"user_id": user_id, "reason": reason}
        )
    return len(deleted)
