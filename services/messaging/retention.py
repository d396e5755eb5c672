"""Retention: conversations over for long are deleted, with their messages and aliases.

A conversation is over once closed (by a participant, or after the end of its
appointment, see ``close_after_seconds``); ``MESSAGING_PURGE_AFTER_DAYS`` later a worker
deletes it. The rule is applied in code by a poll, not by a TTL index: the embedded
store sweeps TTL indexes only once a minute, and only some of them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.messaging.conversations import Conversations
from shared.periodic import every

log = logging.getLogger("services.messaging.retention")


async def purge_forever(conversations: Conversations, poll_seconds: float) -> None:
    """Purge finished conversations every ``poll_seconds`` until cancelled."""

    async def purge() -> None:
        purged = await conversations.purge_finished(datetime.now(UTC))
        if purged:
            log.info("finished conversations purged", extra={"purged": purged})

    await every(poll_seconds, purge, what="conversation purge")
