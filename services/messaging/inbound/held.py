"""Replies held by the sender checks: the real participant is told, once a day at most.

A forger can send any number of mails in someone's name; each would otherwise make
the platform email that person. The day of the last notice is kept on the alias
(deleted with it), and the notice is written to the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from services.messaging.store import MessagingStore
from shared.contracts.messaging import InboundReplyHeld
from shared.runtime import ServiceContext


class HeldReplies:
    """Tells an alias's owner that a reply in their name was held."""

    def __init__(
        self,
        context: ServiceContext,
        store: MessagingStore,
        conversation_url: Callable[[str], str],
    ) -> None:
        self._context = context
        self._store = store
        self._conversation_url = conversation_url

    async def tell_owner(self, alias: str, received_at: datetime) -> bool:
        """Queue the notice unless one went today for this alias; whether it did."""
        record = await self._store.alias(alias)
        if record is None:
            return False
        conversation = await self._store.conversation(record["conversation_id"])
        if conversation is None:
            return False
        day = received_at.date().isoformat()
        notice = InboundReplyHeld(
            conversation_id=conversation.id,
            recipient_id=record["user_id"],
            received_at=received_at,
            subject=conversation.subject,
            conversation_url=self._conversation_url(conversation.id),
        )

        async def work(session: AsyncClientSession) -> bool:
            if not await self._store.mark_held_notice(alias, day, session):
                return False
            await self._context.outbox.add(notice, session, correlation_id=conversation.id)
            return True

        return await self._context.transaction(work)
