"""The ambassador directory: who is listed, what other services are told, and search.

Whenever an ambassador's public fields or solicitability may have changed, the use
case calls :func:`ambassador_changed` inside its transaction: it re-lists (or
unlists) the profile and, when the public state differs, publishes
``accounts.ambassador.profile_changed`` with the next revision through the outbox.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.domain import search
from services.accounts.domain.access import sees_private_state
from services.accounts.domain.ambassadors import profile_event, public_texts, solicitability
from services.accounts.domain.catalog import department_of_postcode, sectors
from services.accounts.domain.identity import initial
from services.accounts.errors import AMBASSADOR_NOT_FOUND
from shared.contracts.accounts import Territory
from shared.http import INVALID_CURSOR, Page, Principal, decode_cursor, encode_cursor
from shared.mongo import Document

# Raised when a listing gains a field or a key: start-up then re-lists every ambassador.
LISTING_VERSION = 2

# What a directory document keeps for display (the keys are for search only).
_DISPLAY = {
    "first_name": 1,
    "last_initial": 1,
    "profile": 1,
    "job_title": 1,
    "sector": 1,
    "employer": 1,
    "organization_id": 1,
    "training": 1,
    "background": 1,
    "interventions": 1,
    "online": 1,
    "zone": 1,
    "department": 1,
    "city": 1,
    "pause_from": 1,
    "pause_to": 1,
    "slice": 1,
}


def public_fields(user: Document) -> Document:
    """An ambassador's public fields, as the directory shows them."""
    ambassador = user["ambassador"]
    job = ambassador.get("job") or {}
    availability = ambassador.get("availability") or {}
    return {
        "_id": user["_id"],
        "first_name": user["first_name"],
        "last_initial": initial(user["last_name"]),
        "profile": ambassador["profile"],
        "job_title": job.get("title"),
        "sector": job.get("sector"),
        "employer": job.get("employer"),
        "organization_id": ambassador.get("organization_id"),
        "training": ambassador.get("training"),
        "background": ambassador.get("background", ""),
        "interventions": ambassador.get("interventions", []),
        "online": ambassador.get("online", False),
        "zone": Territory.model_validate(ambassador.get("zone") or {}).model_dump(),
        "department": department_of_postcode(ambassador["postcode"]),
        "city": ambassador["city"],
        "pause_from": availability.get("pause_from"),
        "pause_to": availability.get("pause_to"),
    }


def listing(user: Document) -> Document:
    """The directory document of a solicitable ambassador (public fields and keys)."""
    fields = public_fields(user)
    sector = fields["sector"]
    profile = search.ListedProfile(
        ambassador_id=user["_id"],
        profile=fields["profile"],
        sector=sector,
        interventions=fields["interventions"],
        online=fields["online"],
        zone=Territory.model_validate(fields["zone"]),
        texts=public_texts(user, sectors().get(sector) if sector else None),
    )
    return {**fields, "slice": search.slice_of(user["_id"]), "keys": profile.keys()}


async def relist(accounts: Accounts, user: Document, session: AsyncClientSession) -> dict[str, int]:
    """List or unlist the ambassador per the rules; returns the key-frequency changes."""
    directory = accounts.store.directory
    before = await directory.listed(user["_id"], {"keys": 1}, session)
    old_keys: list[str] = before.get("keys", []) if before else []
    state = solicitability(user, require_record_check=accounts.settings.require_record_check)
    if state.solicitable:
        document = listing(user)
        await directory.put(document, session)
        return search.key_changes(old_keys, document["keys"])
    if before is not None:
        await directory.remove(user["_id"], session)
    return search.key_changes(old_keys, [])


def _public_state(user: Document, require_record_check: bool) -> dict[str, Any]:
    event = profile_event(user, revision=0, require_record_check=require_record_check)
    return event.model_dump(mode="json", exclude={"revision"})


async def ambassador_changed(
    accounts: Accounts,
    before: Document | None,
    after: Document,
    session: AsyncClientSession,
    *,
    deleted: bool = False,
) -> dict[str, int]:
    """Re-list ``after`` and publish its profile when its public state changed.

    ``before`` is the user document before the change (None on activation, which
    always publishes). Returns the key-frequency changes to apply after commit.
    """
    require = accounts.settings.require_record_check
    if deleted:
        changes = await unlist(accounts, after["_id"], session)
        publish = True
    else:
        changes = await relist(accounts, after, session)
        publish = before is None or _public_state(before, require) != _public_state(after, require)
    if publish and after["status"] == "active":
        revision = int(after["ambassador"].get("revision", 0)) + 1
        await accounts.store.users.set(
            after["_id"], {"ambassador.revision": revision}, session=session
        )
        event = profile_event(
            after, revision=revision, require_record_check=require, deleted=deleted
        )
        await accounts.ctx.outbox.add(event, session)
    return changes


async def unlist(accounts: Accounts, user_id: str, session: AsyncClientSession) -> dict[str, int]:
    """Remove a profile from the directory; returns the key-frequency changes."""
    before = await accounts.store.directory.remove(user_id, session)
    return search.key_changes(before.get("keys", []) if before else [], [])


async def find(
    accounts: Accounts, query: search.DirectoryQuery, *, limit: int, cursor: str | None
) -> Page[Document]:
    """One page of listed profiles matching ``query``, in the directory's stable order."""
    after: tuple[int, str] | None = None
    if cursor is not None:
        values = decode_cursor(cursor, length=2)
        if not isinstance(values[0], int) or not isinstance(values[1], str):
            raise INVALID_CURSOR.error()
        after = (values[0], values[1])
    keys = query.keys()
    # ``*`` too: how many profiles are listed, for the share of each key.
    frequencies = await accounts.store.directory.frequencies([*keys, search.ALL])
    plan = search.plan(keys, frequencies, limit=limit + 1)
    documents = await accounts.store.directory.search(
        plan, limit=limit + 1, after=after, projection=_DISPLAY
    )
    next_cursor = None
    if len(documents) > limit:
        documents = documents[:limit]
        last = documents[-1]
        next_cursor = encode_cursor([last["slice"], last["_id"]])
    return Page[Document](items=documents, next_cursor=next_cursor)


async def listed(accounts: Accounts, ambassador_id: str) -> Document | None:
    """The directory document of a listed ambassador."""
    return await accounts.store.directory.listed(ambassador_id, _DISPLAY)


async def profile_for(
    accounts: Accounts, principal: Principal, ambassador_id: str
) -> tuple[Document, Document | None]:
    """What ``principal`` may see of an ambassador: the public fields of a listed one;
    for referents and admins, of any ambassador, with their account (to show its state).
    404 ``ambassador_not_found`` otherwise."""
    if not sees_private_state(principal):
        row = await listed(accounts, ambassador_id)
        if row is None:
            raise AMBASSADOR_NOT_FOUND.error()
        return row, None
    user = await accounts.store.users.by_id(ambassador_id, role="ambassador")
    if user is None:
        raise AMBASSADOR_NOT_FOUND.error()
    return public_fields(user), user
