"""The bounce address's SMTP endpoint: delivery status notifications come back here.

Every email leaves with the bounce address as its envelope sender (``Return-Path``),
so the recipient's mail server reports a failure to it. The notifier listens for
those reports itself (``shared.smtp_listener``, as messaging's relay does)
because what they change is its own: which addresses it stops writing to.

- RCPT: only the bounce address (550 otherwise, before any data).
- DATA: a DSN whose recipient failed for good (5.x.x) marks that address as
  undeliverable, if the DSN returns the Message-ID of an email the platform sent to
  that address (a forged report cannot silence someone). Temporary failures (4.x.x),
  delays and anything that is not a DSN are accepted and dropped: a refusal would
  bounce again. A failure of ours answers 451 so that the server tries later.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pymongo.errors import PyMongoError

from services.notifier.domain.bounces import read_dsn
from services.notifier.store import NotifierStore

log = logging.getLogger("services.notifier.bounces")

# Every answer, named (SMTP replies are 7-bit: French without accents).
RECIPIENT_OK = "250 2.1.5 Destinataire accepte"
NOT_THE_BOUNCE_ADDRESS = "550 5.1.1 Cette adresse ne recoit que les avis de non-remise"
RECEIVED = "250 2.0.0 Avis de non-remise recu"
TEMPORARY_FAILURE = "451 4.3.0 Erreur temporaire, reessayez plus tard"


class BounceInbox:
    """aiosmtpd handler of the bounce address."""

    def __init__(self, store: NotifierStore, *, bounce_address: str) -> None:
        self._store = store
        local, _, domain = bounce_address.lower().partition("@")
        self._local, self._domain = local, domain

    def _ours(self, address: str) -> bool:
        local, _, domain = address.lower().partition("@")
        # "bounces+anything@" too, should a mail server keep a tag.
        return domain == self._domain and local.split("+", 1)[0] == self._local

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept the bounce address only."""
        if not self._ours(address):
            return NOT_THE_BOUNCE_ADDRESS
        envelope.rcpt_tos.append(address)
        return RECIPIENT_OK

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        """Read the report; mark the addresses that failed for good."""
        raw = envelope.original_content or envelope.content
        try:
            await self.receive(raw if isinstance(raw, bytes) else str(raw).encode())
        except PyMongoError:
            log.exception("bounce not recorded: database unavailable")
            return TEMPORARY_FAILURE
        return RECEIVED

    async def receive(self, raw: bytes) -> int:
        """Record the hard bounces of one report; returns how many addresses it marked."""
        marked = 0
        for bounce in read_dsn(raw):
            if not bounce.hard:
                log.info("soft bounce ignored", extra={"status": bounce.status})
                continue
            sent = (
                await self._store.sent_to(bounce.message_id, bounce.recipient)
                if bounce.message_id
                else None
            )
            if sent is None:
                log.warning("bounce of no email of ours ignored", extra={"status": bounce.status})
                continue
            await self._store.mark_undeliverable(
                bounce.recipient,
                user_id=sent.get("user_id"),
                status=bounce.status,
                diagnostic=bounce.diagnostic,
                now=datetime.now(UTC),
            )
            log.info(
                "address marked undeliverable",
                extra={"user_id": sent.get("user_id"), "status": bounce.status},
            )
            marked += 1
        return marked
