"""Criminal-record checks and suspensions, decided by a referent of the zone or an admin.

The extract is kept only until a decision: then the document is deleted and only the
outcome, its date, the checker and (when verified) the end of its validity remain.
An extract waiting for a decision is noted on the user (``ambassador.record_document``)
so that referents find it in their work queue; near the end of a verified check the
ambassador sends a new one while the old check still counts (see ``record_checks``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import BodyPartReader, web
from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts import audit
from services.accounts.context import Accounts
from services.accounts.credentials import current_user
from services.accounts.directory import ambassador_changed
from services.accounts.domain.access import may_moderate, zone_places_covered
from services.accounts.domain.identity import initial
from services.accounts.domain.records import CheckPeriods, may_send_extract, pdf_problem
from services.accounts.errors import (
    ALREADY_SUSPENDED,
    AMBASSADOR_NOT_FOUND,
    DOCUMENT_MISSING,
    DOCUMENT_TOO_LARGE,
    NO_RECORD_TO_DECIDE,
    NOT_A_PDF,
    NOT_SUSPENDED,
    NOT_YOUR_ZONE,
    RECORD_ALREADY_VERIFIED,
    UPLOAD_MALFORMED,
)
from services.accounts.shapes.joining import Zone
from services.accounts.shapes.moderation import (
    PendingRecord,
    RecordDecision,
    RecordSubmitted,
    SuspensionIn,
)
from services.accounts.shapes.profile import RecordState, Suspension
from shared.contracts.accounts import (
    AmbassadorReinstated,
    AmbassadorSuspended,
    CriminalRecordDecided,
    Territory,
)
from shared.http import Page, PageQuery, Principal
from shared.http.validation import MALFORMED_BODY_ERRORS
from shared.mongo import Document

# Room for the multipart envelope around the document (boundaries, part headers).
MULTIPART_OVERHEAD = 64 * 1024
_CHUNK = 64 * 1024


async def read_document(request: web.Request, max_bytes: int) -> bytes:
    """The ``document`` part of a multipart upload, at most ``max_bytes`` (413 beyond).

    The body is streamed: a request announcing or sending more is cut short without
    being held in memory. A body that is not the multipart it says is a 400.
    """
    if (
        request.content_length is not None
        and request.content_length > max_bytes + MULTIPART_OVERHEAD
    ):
        raise DOCUMENT_TOO_LARGE.error(max_bytes=max_bytes)
    if not request.content_type.startswith("multipart/"):
        raise DOCUMENT_MISSING.error()
    try:
        return await _document_part(request, max_bytes)
    except MALFORMED_BODY_ERRORS:
        raise UPLOAD_MALFORMED.error() from None


async def _document_part(request: web.Request, max_bytes: int) -> bytes:
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            raise DOCUMENT_MISSING.error()
        if isinstance(part, BodyPartReader) and part.name == "document":
            break
        if isinstance(part, BodyPartReader):
            await part.release()
    content = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        content.extend(chunk)
        if len(content) > max_bytes:
            raise DOCUMENT_TOO_LARGE.error(max_bytes=max_bytes)
    # Up to the closing boundary: without it, the document may have been cut short.
    while (rest := await reader.next()) is not None:
        await rest.release()
    return bytes(content)


async def submit_record(
    accounts: Accounts, principal: Principal, request: web.Request
) -> RecordSubmitted:
    """An ambassador sends their extract (PDF, checked by content, ≤ 5 MB)."""
    user = await current_user(accounts, principal)
    content = await read_document(request, accounts.options.record_max_bytes)
    now = accounts.now()
    record = user["ambassador"].get("record") or {}
    if not may_send_extract(record, check_periods(accounts), now):
        raise RECORD_ALREADY_VERIFIED.error()
    problem = pdf_problem(content)
    if problem:
        raise NOT_A_PDF.error(problem)
    updates: dict[str, Any] = {
        "ambassador.record_document": {"uploaded_at": now},
        "updated_at": now,
    }
    if record.get("status") != "verified":
        updates["ambassador.record"] = {"status": "submitted", "submitted_at": now}
    # else a renewal: the check in force keeps counting until the decision or its end.
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> None:
        await accounts.store.record_documents.put(user["_id"], content, now, session)
        seen = await accounts.store.users.change_with_before(user["_id"], updates, session=session)
        if seen is not None:
            changes.update(await ambassador_changed(accounts, *seen, session))

    await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)
    return RecordSubmitted(submitted_at=now)


def check_periods(accounts: Accounts) -> CheckPeriods:
    """How long a check lasts and when renewal is asked, from the settings."""
    options = accounts.options
    return CheckPeriods.of_days(
        options.record_check_validity_days, options.record_renewal_notice_days
    )


async def _moderated(accounts: Accounts, principal: Principal, ambassador_id: str) -> Document:
    await current_user(accounts, principal)
    user = await accounts.store.users.by_id(ambassador_id, role="ambassador")
    if user is None:
        raise AMBASSADOR_NOT_FOUND.error()
    zone = Territory.model_validate(user["ambassador"].get("zone") or {})
    if not may_moderate(principal, zone):
        raise NOT_YOUR_ZONE.error()
    return user


async def record_document(
    accounts: Accounts, principal: Principal, ambassador_id: str
) -> web.Response:
    """The extract awaiting a decision, for the checker to read (never cached)."""
    await _moderated(accounts, principal, ambassador_id)
    row = await accounts.store.record_documents.of(ambassador_id)
    if row is None:
        raise NO_RECORD_TO_DECIDE.error()
    await audit.record_read(accounts, principal, audit.CRIMINAL_RECORD_DOCUMENT_READ, ambassador_id)
    return web.Response(
        body=bytes(row["content"]),
        content_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="extrait-casier-judiciaire.pdf"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def _change(
    accounts: Accounts,
    ambassador_id: str,
    condition: dict[str, Any],
    fields: dict[str, Any],
    events: list[Any],
    refusal: Any,
) -> Document:
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> Document:
        seen = await accounts.store.users.change_with_before(
            ambassador_id, fields, where=condition, session=session
        )
        if seen is None:
            raise refusal.error()
        before, after = seen
        for event in events:
            await accounts.ctx.outbox.add(event, session)
        changes.update(await ambassador_changed(accounts, before, after, session))
        return after

    after = await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)
    return after


async def decide_record(
    accounts: Accounts, principal: Principal, ambassador_id: str, body: RecordDecision
) -> RecordState:
    """Record ``verified`` or ``rejected``; the document is deleted in the same transaction.

    A verified check is valid for ``ACCOUNTS_RECORD_CHECK_VALIDITY_DAYS`` from now.
    """
    await _moderated(accounts, principal, ambassador_id)
    now = accounts.now()
    record: dict[str, Any] = {
        "status": body.decision,
        "submitted_at": None,
        "decided_at": now,
        "decided_by": principal.user_id,
        "note": body.note,
    }
    if body.decision == "verified":
        record["valid_until"] = check_periods(accounts).valid_until(now)
    event = CriminalRecordDecided(
        ambassador_id=ambassador_id, decision=body.decision, note=body.note, decided_at=now
    )
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> None:
        deleted = await accounts.store.record_documents.take(ambassador_id, session)
        if deleted is None:
            raise NO_RECORD_TO_DECIDE.error()
        record["submitted_at"] = deleted.get("uploaded_at")
        seen = await accounts.store.users.change_with_before(
            ambassador_id,
            {"ambassador.record": record, "updated_at": now},
            where={"ambassador.record_document": {"$ne": None}},
            unset=["ambassador.record_document"],
            session=session,
        )
        if seen is None:
            raise NO_RECORD_TO_DECIDE.error()
        await accounts.ctx.outbox.add(event, session)
        changes.update(await ambassador_changed(accounts, *seen, session))

    await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)
    return RecordState.model_validate(record)


async def suspend(
    accounts: Accounts, principal: Principal, ambassador_id: str, body: SuspensionIn
) -> Suspension:
    """Suspend an ambassador with a reason: they can no longer be solicited."""
    await _moderated(accounts, principal, ambassador_id)
    suspension = {"reason": body.reason, "at": accounts.now(), "by": principal.user_id}
    await _change(
        accounts,
        ambassador_id,
        {"ambassador.suspension": None},
        {"ambassador.suspension": suspension, "updated_at": suspension["at"]},
        [AmbassadorSuspended(ambassador_id=ambassador_id, reason=body.reason)],
        ALREADY_SUSPENDED,
    )
    return Suspension.model_validate(suspension)


async def reinstate(accounts: Accounts, principal: Principal, ambassador_id: str) -> None:
    """Lift a suspension."""
    await _moderated(accounts, principal, ambassador_id)
    await _change(
        accounts,
        ambassador_id,
        {"ambassador.suspension": {"$ne": None}},
        {"ambassador.suspension": None, "updated_at": accounts.now()},
        [AmbassadorReinstated(ambassador_id=ambassador_id)],
        NOT_SUSPENDED,
    )


def _waiting(row: Document) -> PendingRecord:
    part = row["ambassador"]
    ambassador_id = row["_id"]
    base = f"/api/accounts/ambassadors/{ambassador_id}/criminal-record"
    return PendingRecord(
        ambassador_id=ambassador_id,
        name=f"{row['first_name']} {initial(row['last_name'])}",
        zone=Zone.model_construct(**part["zone"]),
        department=part.get("department"),
        uploaded_at=part["record_document"]["uploaded_at"],
        renewal=(part.get("record") or {}).get("status") == "verified",
        document_url=f"{base}/document",
        decision_url=f"{base}/decision",
    )


def in_zone_of(principal: Principal) -> dict[str, Any]:
    """The condition on ambassadors whose zone touches the principal's territory
    (none for an admin, who sees every zone)."""
    covered = zone_places_covered(principal)
    if covered is None:
        return {}
    departments, bassins = covered
    return {
        "$or": [
            {"ambassador.zone.departments": {"$in": departments}},
            {"ambassador.zone.bassins": {"$in": bassins}},
        ]
    }


async def waiting_records(
    accounts: Accounts, principal: Principal, page: PageQuery
) -> Page[PendingRecord]:
    """Extracts waiting for a decision, oldest first: a referent's zone, or all for admins."""
    await current_user(accounts, principal)
    query: dict[str, Any] = {
        "ambassador.record_document.uploaded_at": {"$type": "date"},
        "role": "ambassador",
        **in_zone_of(principal),
    }
    return await accounts.store.users.page(
        query,
        sort=[("ambassador.record_document.uploaded_at", 1)],
        page=page,
        load=_waiting,
        projection={
            "first_name": 1,
            "last_name": 1,
            "ambassador.zone": 1,
            "ambassador.department": 1,
            "ambassador.record.status": 1,
            "ambassador.record_document.uploaded_at": 1,
        },
    )
