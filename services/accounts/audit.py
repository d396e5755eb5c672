"""The audit log: every read of a person's data by a referent or an admin.

Accounts writes the reads of its own answers (a profile, a criminal-record extract or
the queue of them, directory results, erasure records) and those the other services
report (``<service>.personal_data.read``, see ``shared.personal_data``): one entry per
person shown. An entry is written once the read succeeded (a refused read showed
nothing). Admins query the log; the person sees the reads of their own data in their
export. Entries carry their own end of retention (``ACCOUNTS_AUDIT_RETENTION_DAYS``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.shapes.privacy import AuditEntry, AuditQuery
from shared.contracts.personal_data import PersonalDataRead
from shared.http import Page, Principal
from shared.mongo import Document
from shared.personal_data import people_to_audit

SERVICE = "accounts"

ShownT = TypeVar("ShownT")

# What was read (stable codes, shown to admins and in the person's export).
ACCOUNT_READ = "account_read"
ACCOUNTS_LISTED = "accounts_listed"
AMBASSADOR_PROFILE_READ = "ambassador_profile_read"
CRIMINAL_RECORD_DOCUMENT_READ = "criminal_record_document_read"
CRIMINAL_RECORDS_LISTED = "criminal_records_listed"
DIRECTORY_LISTED = "directory_listed"
ERASURE_RECORD_READ = "erasure_record_read"
ERASURE_RECORDS_LISTED = "erasure_records_listed"
STAFF_TO_VERIFY_LISTED = "staff_to_verify_listed"


def _entries(accounts: Accounts, read: PersonalDataRead) -> list[Document]:
    """One entry per person ``read`` names."""
    expires_at = read.read_at + timedelta(days=accounts.options.audit_retention_days)
    return [
        {
            "_id": accounts.new_id(),
            "at": read.read_at,
            "actor_id": read.actor_id,
            "actor_role": read.actor_role,
            "action": read.action,
            "service": read.service,
            "user_id": user_id,
            "expires_at": expires_at,
        }
        for user_id in read.user_ids
    ]


async def record_reads(
    accounts: Accounts, principal: Principal, action: str, user_ids: Iterable[str | None]
) -> None:
    """Write that ``principal`` was shown these people's data (only referents and admins)."""
    read = PersonalDataRead(
        actor_id=principal.user_id,
        actor_role=principal.role,
        action=action,
        user_ids=[uid for uid in user_ids if uid],
        service=SERVICE,
        read_at=accounts.now(),
    )
    await _write(accounts, read, session=None)


async def record_page_read(
    accounts: Accounts,
    principal: Principal,
    action: str,
    page: Page[ShownT],
    person: Callable[[ShownT], str | None],
) -> Page[ShownT]:
    """``page``, once it is written that ``principal`` was shown the people on it (each
    item's ``person``): what a list route answers with."""
    await record_reads(accounts, principal, action, [person(item) for item in page.items])
    return page


async def record_read(accounts: Accounts, principal: Principal, action: str, user_id: str) -> None:
    """Write that ``principal`` read ``user_id``'s data (only referents and admins)."""
    await record_reads(accounts, principal, action, [user_id])


async def record_reported(
    accounts: Accounts, read: PersonalDataRead, session: AsyncClientSession
) -> None:
    """Write the reads another service reported, within the handler's transaction (the
    handler runs once per event: a redelivered event writes nothing twice)."""
    await _write(accounts, read, session=session)


async def _write(
    accounts: Accounts, read: PersonalDataRead, *, session: AsyncClientSession | None
) -> None:
    # Accounts' own reads and the reported ones follow the same rule of who is logged.
    people = people_to_audit(read.actor_role, read.actor_id, read.user_ids)
    if people:
        logged = read.model_copy(update={"user_ids": people})
        await accounts.store.audit.add(_entries(accounts, logged), session)


def _entry(row: Document) -> AuditEntry:
    # An entry without a service is one of accounts' own reads.
    return AuditEntry.model_validate({"service": SERVICE, **row, "id": row["_id"]})


async def find(accounts: Accounts, query: AuditQuery) -> Page[AuditEntry]:
    """Entries matching the filters, newest first."""
    return await accounts.store.audit.page(
        user_id=query.user_id,
        actor_id=query.actor_id,
        since=query.from_,
        before=query.to,
        page=query,
        load=_entry,
    )


async def reads_of(accounts: Accounts, user_id: str) -> list[dict[str, Any]]:
    """The reads of a person's data, for their own export (who by role, not by name)."""
    return [
        {
            "at": row["at"].isoformat(),
            "action": row["action"],
            "by_role": row["actor_role"],
            "service": row.get("service", SERVICE),
        }
        for row in await accounts.store.audit.about(user_id)
    ]
