"""Erasing an account across the platform, and the record of who confirmed it.

Accounts deletes what it holds and publishes ``accounts.user.deleted`` in the same
transaction as an erasure record; every other service erases or anonymises its part
and answers ``<service>.user.erased``; the record notes each confirmation and when
the last one arrived (``completed_at``). The record keeps the account's opaque id, its
role and dates: nothing that names the person.
"""

from __future__ import annotations

import logging
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.directory import ambassador_changed
from services.accounts.domain.account_holder import account_holder_in_role
from services.accounts.joining import referent_event
from services.accounts.shapes.privacy import ErasureRecord
from shared.contracts.accounts import DeletionReason, TokensRevoked, UserDeleted
from shared.http import Page, PageQuery
from shared.mongo import Document
from shared.personal_data import ANSWERING_SERVICES

log = logging.getLogger("services.accounts.erasure")


async def erase_account(
    accounts: Accounts, user: Document, *, reason: DeletionReason, session: AsyncClientSession
) -> dict[str, int]:
    """Delete the account and what hangs on it, within ``session``'s transaction.

    Returns the directory's key-frequency changes to apply after the commit.
    """
    store = accounts.store
    user_id = user["_id"]
    changes: dict[str, int] = {}
    if user["role"] == "ambassador":
        changes = await ambassador_changed(accounts, user, user, session, deleted=True)
    elif user["role"] == "referent":
        await accounts.ctx.outbox.add(referent_event(user, active=False), session)
    await store.forget_user(user_id, session)
    await store.erasures.open(
        {
            "_id": user_id,
            "role": user["role"],
            "reason": reason,
            "requested_at": accounts.now(),
            "confirmations": {},
            "completed_at": None,
        },
        session,
    )
    revoked = TokensRevoked(user_id=user_id, not_before=accounts.now(), reason="deleted")
    await accounts.ctx.outbox.add(revoked, session)
    await accounts.ctx.outbox.add(
        UserDeleted(**account_holder_in_role(user), reason=reason), session
    )
    return changes


async def delete(accounts: Accounts, user: Document, *, reason: DeletionReason) -> None:
    """Erase the account in its own transaction (self-service or retention)."""
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> None:
        changes.clear()
        changes.update(await erase_account(accounts, user, reason=reason, session=session))

    await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)


async def confirmed(
    accounts: Accounts, user_id: str, service: str, at: datetime, session: AsyncClientSession
) -> None:
    """Note that ``service`` erased what it held about ``user_id``."""
    if not await accounts.store.erasures.confirm(user_id, service, at, session):
        log.warning(
            "erasure confirmed for an account without erasure record",
            extra={"user_id": user_id, "service": service},
        )


async def complete_if_confirmed(accounts: Accounts, user_id: str) -> bool:
    """Mark the erasure complete once every service confirmed; returns whether it is.

    One conditional write after the confirmations' transactions: two services
    confirming at the same moment each try it, and the later one sees both.
    """
    return await accounts.store.erasures.complete_if_confirmed_by(
        user_id, ANSWERING_SERVICES, accounts.now()
    )


def erasure_record(row: Document) -> ErasureRecord:
    """The API view of an erasure record."""
    confirmations = row.get("confirmations") or {}
    return ErasureRecord(
        user_id=row["_id"],
        role=row["role"],
        reason=row.get("reason", "request"),
        requested_at=row["requested_at"],
        confirmations=confirmations,
        waiting_for=[service for service in ANSWERING_SERVICES if service not in confirmations],
        completed_at=row.get("completed_at"),
    )


async def get(accounts: Accounts, user_id: str) -> ErasureRecord | None:
    """The erasure record of a deleted account, if any."""
    row = await accounts.store.erasures.of(user_id)
    return erasure_record(row) if row is not None else None


async def find(accounts: Accounts, state: str | None, page: PageQuery) -> Page[ErasureRecord]:
    """Erasure records, newest first, optionally only pending or only complete ones."""
    complete = {"pending": False, "complete": True}.get(state or "")
    return await accounts.store.erasures.page(complete, page, erasure_record)
