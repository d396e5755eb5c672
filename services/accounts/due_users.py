"""The background rules' common step: change each user a query selects, one by one.

Each user is read again inside its own transaction with the same query (a sign-in, a
decision or another replica may have changed them since the list was read), so a
rule is applied once to whoever still qualifies. The directory's key frequencies
that a change returns are applied after the commit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from shared.mongo import Document

# Changes one user inside the transaction; returns key-frequency changes ({} if none).
Change = Callable[[Document, AsyncClientSession], Awaitable[dict[str, int]]]


async def change_each(accounts: Accounts, due: dict[str, Any], change: Change) -> list[str]:
    """Apply ``change`` to every user ``due`` selects; returns the ids changed."""
    changed: list[str] = []
    # Read the ids first: the loop changes the documents the query selects.
    for due_id in await accounts.store.users.ids_matching(due):
        frequencies: dict[str, int] = {}

        async def work(
            session: AsyncClientSession,
            user_id: str = due_id,
            frequencies: dict[str, int] = frequencies,
        ) -> bool:
            frequencies.clear()  # a retried transaction starts over
            user = await accounts.store.users.by_id(user_id, where=due, session=session)
            if user is None:
                return False  # no longer due
            frequencies.update(await change(user, session))
            return True

        if await accounts.ctx.transaction(work):
            changed.append(due_id)
            await accounts.store.directory.apply_frequency_changes(frequencies)
    return changed
