"""Accounts' data migrations, applied once per database at start-up (``shared.migrations``).

Append new ones with the next number; never renumber or remove one that was released.
Each must be idempotent: a replica stopped mid-way leaves it to be run again.
"""

from __future__ import annotations

from services.accounts.context import Accounts
from services.accounts.moderation import check_periods
from shared.migrations import Migration
from shared.personal_data import ANSWERING_SERVICES


async def backfill_data_rule_fields(accounts: Accounts) -> None:
    """Give accounts made before the data rules the fields those rules read.

    A verified check without an end gets one counted from its decision; an extract
    waiting without a queue entry gets one dated from its upload; an account without
    a last sign-in counts from its activation (or creation).
    """
    users = accounts.store.users
    never_seen = {"last_seen_at": None}
    for user_id in await users.ids_matching(never_seen):
        user = await users.by_id(user_id, fields={"activated_at": 1, "created_at": 1})
        seen = user and (user.get("activated_at") or user.get("created_at"))
        if seen:
            await users.set(user_id, {"last_seen_at": seen}, where=never_seen)
    periods = check_periods(accounts)
    endless = {
        "role": "ambassador",
        "ambassador.record.status": "verified",
        "ambassador.record.valid_until": None,
    }
    for user_id in await users.ids_matching(endless):
        user = await users.by_id(user_id, fields={"ambassador.record": 1})
        decided_at = user and user["ambassador"]["record"].get("decided_at")
        if decided_at:
            valid_until = periods.valid_until(decided_at)
            await users.set(user_id, {"ambassador.record.valid_until": valid_until}, where=endless)
    async for document in accounts.store.record_documents.upload_dates():
        await users.set(
            document["_id"],
            {"ambassador.record_document": {"uploaded_at": document["uploaded_at"]}},
            where={"ambassador.record_document": None},
        )


async def rename_handled_answers(accounts: Accounts) -> None:
    """Keep the answers already handled as handled under their handlers' new names.

    The handlers of erasure confirmations and reported reads were named ``erased_*`` and
    ``reads_*``; they now bear their queues' names: without this, an answer redelivered
    across the upgrade would write a second audit entry.
    """
    for service in ANSWERING_SERVICES:
        await accounts.ctx.handled.rename(f"erased_{service}", f"erasure_{service}")
        await accounts.ctx.handled.rename(f"reads_{service}", f"audit_{service}")


async def give_partner_requests_a_status(accounts: Accounts) -> None:
    """Requests received before they had a status are all still to handle."""
    await accounts.store.partner_requests.give_status_where_missing("new")


MIGRATIONS: list[Migration[Accounts]] = [
    Migration(1, "data rule fields", backfill_data_rule_fields),
    Migration(2, "handled answers under their handlers' names", rename_handled_answers),
    Migration(3, "partnership requests' status", give_partner_requests_a_status),
]
