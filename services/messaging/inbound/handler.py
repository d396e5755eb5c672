"""The relay's SMTP conversation: which recipients are taken, what becomes of a mail.

- RCPT: only live aliases of the relay domain (550 otherwise, before any data).
- DATA: automatic mails (auto-replies, bounces, bulk) and mails from anyone but the
  alias's owner are accepted and dropped, with a log line and nothing posted. With
  ``MESSAGING_TRUSTED_AUTHSERV_ID`` set, a mail that the mail server in front did not
  authenticate (see ``authentication``) is held: accepted, not posted, and its owner
  is told by email (``messaging.inbound_reply.held``). The others become a message
  of the conversation (reply text only: no quote, no signature, which is found with
  the owner's names), relayed on by email.
- A failure of ours answers 451: the sending server keeps the mail and tries again
  (the mail's Message-ID makes the retry post it once).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from pymongo.errors import DuplicateKeyError, PyMongoError

from services.messaging.conversations import (
    ConversationClosedError,
    ConversationNotFoundError,
    Conversations,
)
from services.messaging.domain.aliases import alias_of
from services.messaging.domain.text import bounded, clean_body
from services.messaging.inbound import status
from services.messaging.inbound.authentication import verdict
from services.messaging.inbound.automatic import automatic_reason
from services.messaging.inbound.held import HeldReplies
from services.messaging.inbound.reply import reply_text
from services.messaging.inbound.senders import sender_is_owner
from services.messaging.inbound.signature import Sender
from services.messaging.metrics import inbound_answered
from services.messaging.post_rate import RateLimitedError

log = logging.getLogger("services.messaging.inbound")

# When several recipients end differently, the answer is the first of these present.
_SEVERITY = (
    status.TEMPORARY_FAILURE,
    status.RATE_LIMITED,
    status.POSTED,
    status.ALREADY_POSTED,
    status.DROPPED,
)


class RelayInbox:
    """aiosmtpd handler of the relay domain."""

    def __init__(
        self,
        conversations: Conversations,
        *,
        relay_domain: str,
        max_recipients: int,
        held: HeldReplies,
        trusted_authserv_id: str | None = None,
    ) -> None:
        self._conversations = conversations
        self._store = conversations.store
        self._domain = relay_domain.lower()
        self._max_recipients = max_recipients
        self._held = held
        self._trusted_authserv_id = trusted_authserv_id or None
        self._in_flight: set[asyncio.Task[str]] = set()

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept only live aliases of our domain."""
        if len(envelope.rcpt_tos) >= self._max_recipients:
            return status.TOO_MANY_RECIPIENTS
        alias = alias_of(address, self._domain)
        if alias is None:
            domain = address.rpartition("@")[2].strip("<> ").lower()
            return status.UNKNOWN_ALIAS if domain == self._domain else status.NOT_OUR_DOMAIN
        try:
            refusal = await self._refusal(alias)
        except PyMongoError:
            log.exception("alias lookup failed")
            return status.LOOKUP_FAILED
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return status.RECIPIENT_OK

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        """Post the reply, or drop the mail; never lose one we answered 250 for."""
        # Shielded: a client hanging up mid-processing must not cut a transaction in
        # two; shutdown waits for these (see ``drain``).
        task = asyncio.ensure_future(
            self._deliver(
                str(envelope.mail_from or ""),
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or b""),
            )
        )
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)
        answer = await asyncio.shield(task)
        inbound_answered(answer)
        return answer

    async def drain(self, grace_seconds: float) -> None:
        """Wait (at most ``grace_seconds``) for mails being processed."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=grace_seconds)

    async def _refusal(self, alias: str) -> str | None:
        record = await self._store.alias(alias)
        if record is None:
            return status.UNKNOWN_ALIAS
        if not record.get("active"):
            return status.ALIAS_DISABLED
        conversation = await self._store.conversation(record["conversation_id"])
        owner = conversation.participant(record["user_id"]) if conversation else None
        if conversation is None or owner is None or owner.deleted:
            return status.ALIAS_DISABLED
        if not conversation.is_open(datetime.now(UTC)):
            return status.ALIAS_DISABLED
        return None

    async def _deliver(self, mail_from: str, recipients: list[str], raw: bytes) -> str:
        try:
            message = BytesParser(policy=policy.default).parsebytes(raw)
            assert isinstance(message, EmailMessage)
            reason = automatic_reason(message, mail_from)
            if reason is not None:
                log.info("inbound mail dropped: automatic", extra={"reason": reason})
                return status.DROPPED
            outcomes = [
                await self._post(alias, mail_from, message)
                for alias in (alias_of(address, self._domain) for address in recipients)
                if alias is not None
            ]
        except Exception:
            log.exception("inbound mail not processed; the sender will retry")
            return status.TEMPORARY_FAILURE
        return next((answer for answer in _SEVERITY if answer in outcomes), status.DROPPED)

    async def _post(self, alias: str, mail_from: str, message: EmailMessage) -> str:
        record = await self._store.alias(alias)
        if record is None or not record.get("active"):
            log.info("inbound mail dropped: alias disabled meanwhile")
            return status.DROPPED
        facts = {"conversation_id": record["conversation_id"]}
        contact = await self._store.contact(record["user_id"])
        registered = None if contact is None or contact.get("deleted") else contact.get("email")
        from_headers = [str(value) for value in message.get_all("From", [])]
        if not sender_is_owner(registered, mail_from, from_headers):
            # Never bounced: the envelope sender may be forged (backscatter). The
            # addresses are not logged: they are someone's personal data.
            log.warning("inbound mail dropped: not sent by the alias owner", extra=facts)
            return status.DROPPED
        assert contact is not None
        if self._trusted_authserv_id is not None:
            checked = verdict(
                [str(value) for value in message.get_all("Authentication-Results", [])],
                self._trusted_authserv_id,
                str(registered).rpartition("@")[2],
            )
            if not checked.passed:
                told = await self._held.tell_owner(alias, datetime.now(UTC))
                log.warning(
                    "inbound mail held: sender not authenticated",
                    extra={**facts, "reason": checked.reason, "owner_told": told},
                )
                return status.DROPPED
        text = bounded(clean_body(reply_text(message, _sender(contact))))
        if not text:
            log.info("inbound mail dropped: no text once quotes are removed", extra=facts)
            return status.DROPPED
        try:
            await self._conversations.post(
                record["conversation_id"],
                record["user_id"],
                text,
                source="email",
                inbound_key=_inbound_key(alias, message),
            )
        except DuplicateKeyError:
            return status.ALREADY_POSTED
        except RateLimitedError:
            return status.RATE_LIMITED
        except (ConversationNotFoundError, ConversationClosedError):
            log.info("inbound mail dropped: conversation closed meanwhile", extra=facts)
            return status.DROPPED
        log.info("inbound reply posted", extra=facts)
        return status.POSTED


def _sender(contact: Mapping[str, Any]) -> Sender:
    """The alias owner as the signature cleaning knows them."""
    return Sender(
        first_name=str(contact.get("first_name") or ""),
        last_name=str(contact.get("last_name") or ""),
        phone=contact.get("phone"),
    )


def _inbound_key(alias: str, message: EmailMessage) -> str | None:
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        return None
    return hashlib.sha256(f"{alias}\n{message_id}".encode()).hexdigest()
