"""The end of criminal-record checks: renewal asked a month before, expiry at the end.

A background worker looks every ``ACCOUNTS_LIFECYCLE_POLL_SECONDS`` for verified checks
coming to their end (``ambassador.record.valid_until``):

- ``ACCOUNTS_RECORD_RENEWAL_NOTICE_DAYS`` before, the ambassador is asked once for a
  new extract (``accounts.criminal_record.renewal_requested``, emailed by the
  notifier); they may send it at once while the current check still counts;
- at the end, without a new decision, the check is ``expired``: the ambassador leaves
  the directory and the profile event says ``solicitable: false`` with the reason
  ``record_expired`` until a referent verifies a new extract.

Each change is a conditional write in its own transaction with its event, so two
replicas never ask twice nor expire twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.directory import ambassador_changed
from services.accounts.events import CriminalRecordExpired, CriminalRecordRenewalRequested
from services.accounts.moderation import check_periods
from shared.periodic import every

log = logging.getLogger("services.accounts.record_checks")


async def run(accounts: Accounts) -> None:
    """Apply the rules until cancelled."""
    await every(
        accounts.options.lifecycle_poll_seconds,
        lambda: run_once(accounts),
        what="record-check pass",
    )


async def run_once(accounts: Accounts) -> tuple[int, int]:
    """One pass: (renewals asked, checks expired)."""
    now = accounts.now()
    asked = await _ask_renewals(accounts, now)
    expired = await _expire(accounts, now)
    return asked, expired


def _verified_until(moment: datetime) -> dict[str, Any]:
    return {
        "role": "ambassador",
        "ambassador.record.status": "verified",
        "ambassador.record.valid_until": {"$lte": moment},
    }


async def _ask_renewals(accounts: Accounts, now: datetime) -> int:
    due = {
        **_verified_until(now + check_periods(accounts).renewal_notice),
        "status": "active",
        "ambassador.record.renewal_requested_at": None,
    }
    asked = 0
    # Read the ids first: the loop changes the documents the query selects.
    for row in await accounts.store.users.find(due, {"_id": 1}).to_list():

        async def work(session: AsyncClientSession, user_id: str = row["_id"]) -> bool:
            user = await accounts.store.users.find_one_and_update(
                {"_id": user_id, **due},
                {"$set": {"ambassador.record.renewal_requested_at": now}},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if user is None:
                return False  # another replica asked meanwhile
            event = CriminalRecordRenewalRequested(
                ambassador_id=user_id, valid_until=user["ambassador"]["record"]["valid_until"]
            )
            await accounts.ctx.outbox.add(event, session)
            return True

        asked += await accounts.ctx.transaction(work)
    return asked


async def _expire(accounts: Accounts, now: datetime) -> int:
    due = _verified_until(now)
    expired = 0
    # Read the ids first: the loop changes the documents the query selects.
    for row in await accounts.store.users.find(due, {"_id": 1}).to_list():
        changes: dict[str, int] = {}

        async def work(
            session: AsyncClientSession,
            user_id: str = row["_id"],
            changes: dict[str, int] = changes,
        ) -> bool:
            changes.clear()
            before = await accounts.store.users.find_one({"_id": user_id, **due}, session=session)
            if before is None:
                return False
            after = await accounts.store.users.find_one_and_update(
                {"_id": user_id},
                {
                    "$set": {
                        "ambassador.record.status": "expired",
                        "ambassador.record.expired_at": now,
                        "updated_at": now,
                    }
                },
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if after is None:
                return False
            await accounts.ctx.outbox.add(
                CriminalRecordExpired(ambassador_id=user_id, expired_at=now), session
            )
            changes.update(await ambassador_changed(accounts, before, after, session))
            return True

        if await accounts.ctx.transaction(work):
            expired += 1
            await accounts.store.apply_frequency_changes(changes)
    return expired
