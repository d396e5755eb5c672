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

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.directory import ambassador_changed
from services.accounts.due_users import change_each
from services.accounts.moderation import check_periods
from shared.contracts.accounts import CriminalRecordExpired, CriminalRecordRenewalRequested
from shared.mongo import Document
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


def renewals_due(accounts: Accounts) -> dict[str, Any]:
    """The ambassadors a referent should expect a new extract from: their check ends
    within the renewal notice (or has ended) and no new extract has arrived yet."""
    return {
        "role": "ambassador",
        "ambassador.record.status": {"$in": ["verified", "expired"]},
        "ambassador.record.valid_until": {
            "$lte": accounts.now() + check_periods(accounts).renewal_notice
        },
        "ambassador.record_document": None,
    }


async def _ask_renewals(accounts: Accounts, now: datetime) -> int:
    due = {
        **_verified_until(now + check_periods(accounts).renewal_notice),
        "status": "active",
        "ambassador.record.renewal_requested_at": None,
    }

    async def ask(user: Document, session: AsyncClientSession) -> dict[str, int]:
        await accounts.store.users.set(
            user["_id"], {"ambassador.record.renewal_requested_at": now}, session=session
        )
        event = CriminalRecordRenewalRequested(
            ambassador_id=user["_id"], valid_until=user["ambassador"]["record"]["valid_until"]
        )
        await accounts.ctx.outbox.add(event, session)
        return {}

    return len(await change_each(accounts, due, ask))


async def _expire(accounts: Accounts, now: datetime) -> int:
    async def expire(before: Document, session: AsyncClientSession) -> dict[str, int]:
        after = await accounts.store.users.change(
            before["_id"],
            {
                "ambassador.record.status": "expired",
                "ambassador.record.expired_at": now,
                "updated_at": now,
            },
            session=session,
        )
        assert after is not None  # read in this transaction
        await accounts.ctx.outbox.add(
            CriminalRecordExpired(ambassador_id=before["_id"], expired_at=now), session
        )
        return await ambassador_changed(accounts, before, after, session)

    return len(await change_each(accounts, _verified_until(now), expire))
