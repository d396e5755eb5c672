"""Accounts' data migrations, applied once per database at start-up (``shared.migrations``).

Append new ones with the next number; never renumber or remove one that was released.
Each must be idempotent: a replica stopped mid-way leaves it to be run again.
"""

from __future__ import annotations

from services.accounts.context import Accounts
from services.accounts.moderation import check_periods
from shared.migrations import Migration


async def backfill_data_rule_fields(accounts: Accounts) -> None:
    """Give accounts made before the data rules the fields those rules read.

    A verified check without an end gets one counted from its decision; an extract
    waiting without a queue entry gets one dated from its upload; an account without
    a last sign-in counts from its activation (or creation).
    """
    users = accounts.store.users
    async for user in users.find({"last_seen_at": None}, {"activated_at": 1, "created_at": 1}):
        seen = user.get("activated_at") or user.get("created_at")
        if seen is not None:
            await users.update_one({"_id": user["_id"]}, {"$set": {"last_seen_at": seen}})
    periods = check_periods(accounts)
    async for user in users.find(
        {
            "role": "ambassador",
            "ambassador.record.status": "verified",
            "ambassador.record.valid_until": None,
        },
        {"ambassador.record": 1},
    ):
        decided_at = user["ambassador"]["record"].get("decided_at")
        if decided_at is not None:
            await users.update_one(
                {"_id": user["_id"]},
                {"$set": {"ambassador.record.valid_until": periods.valid_until(decided_at)}},
            )
    async for document in accounts.store.record_documents.find({}, {"uploaded_at": 1}):
        await users.update_one(
            {"_id": document["_id"], "ambassador.record_document": None},
            {"$set": {"ambassador.record_document": {"uploaded_at": document["uploaded_at"]}}},
        )


MIGRATIONS: list[Migration[Accounts]] = [
    Migration(1, "data rule fields", backfill_data_rule_fields),
]
