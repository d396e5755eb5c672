"""Restriction of processing (« limitation », RGPD art. 18), asked by the person.

While it lasts the data is kept but not used: an ambassador leaves the directory and
cannot be solicited (the profile event says ``solicitable: false`` with the reason
``restricted``). Lifting it restores what the other rules allow.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.credentials import current_user
from services.accounts.directory import ambassador_changed
from services.accounts.shapes.privacy import RestrictionState
from shared.http import Principal
from shared.mongo import Document


def state(user: Document) -> RestrictionState:
    """Whether ``user`` restricted their data, and since when."""
    restriction = user.get("restriction")
    if not restriction:
        return RestrictionState(restricted=False)
    return RestrictionState(restricted=True, since=restriction["since"])


async def _set(accounts: Accounts, user_id: str, condition: Any, value: Any) -> Document | None:
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> Document | None:
        seen = await accounts.store.users.change_with_before(
            user_id,
            {"restriction": value, "updated_at": accounts.now()},
            where={"restriction": condition},
            session=session,
        )
        if seen is None:
            return None  # already in the wanted state
        before, after = seen
        if after["role"] == "ambassador":
            changes.update(await ambassador_changed(accounts, before, after, session))
        return after

    after = await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)
    return after


async def restrict(accounts: Accounts, principal: Principal) -> RestrictionState:
    """POST /me/restriction: keep the data, stop its use (idempotent)."""
    user = await current_user(accounts, principal)
    after = await _set(accounts, user["_id"], None, {"since": accounts.now()})
    return state(after or await current_user(accounts, principal))


async def lift(accounts: Accounts, principal: Principal) -> None:
    """DELETE /me/restriction: the data may be used again (idempotent)."""
    user = await current_user(accounts, principal)
    await _set(accounts, user["_id"], {"$ne": None}, None)
