"""Emailed links seen from the page they open: what a link is for, and a new one.

The page of a link first asks what the link is for and whether it still works, so
that an expired link says so before the person types anything, and offers a new
link in one step. A used link is deleted when it is used (single use), so it is as
unknown as a forged one: 404. An expired link is kept a day past its expiry (the
clean-up grace of the ``link_tokens`` TTL index), long enough to be renewed.

Renewal answers the same whatever the token (unknown, used, expired, or belonging to
an account that changed meanwhile): the answer tells nothing about anyone. A new link
voids the earlier ones of the same purpose.
"""

from __future__ import annotations

import logging

from services.accounts.context import Accounts
from services.accounts.credentials import send_reset_link
from services.accounts.domain.links import hash_token, is_expired
from services.accounts.errors import LINK_NOT_FOUND
from services.accounts.joining import resend_confirmation
from services.accounts.profile import send_email_change_link
from services.accounts.shapes.sessions import LinkStatus
from services.accounts.throttling import limit_requests

log = logging.getLogger("services.accounts.emailed_links")


async def link_status(accounts: Accounts, token: str) -> LinkStatus:
    """The purpose and state of a link; 404 ``link_not_found`` when unknown or used."""
    row = await accounts.store.links.by_hash(hash_token(token))
    if row is None:
        raise LINK_NOT_FOUND.error()
    user = await accounts.store.users.by_id(row["user_id"], fields={"email": 1})
    if user is None:
        raise LINK_NOT_FOUND.error()
    if is_expired(row["expires_at"], accounts.now()):
        return LinkStatus(purpose=row["purpose"], state="expired", expires_at=row["expires_at"])
    # The address the link was sent to: its holder read it there (the page shows it,
    # and password managers file the new password under it).
    email = row.get("new_email") if row["purpose"] == "email_change" else user["email"]
    return LinkStatus(
        purpose=row["purpose"], state="valid", expires_at=row["expires_at"], email=email
    )


async def renew_link(accounts: Accounts, token: str, address: str) -> None:
    """Email a fresh link of the same purpose in place of this one, when that makes sense.

    Counted per link and per client address before anything is looked up, so the
    limits answer alike for every token.
    """
    token_hash = hash_token(token)
    await limit_requests(accounts, "link_renewal", link=token_hash, address=address)
    row = await accounts.store.links.by_hash(token_hash)
    if row is None:
        log.info("link renewal for an unknown or used link: nothing sent")
        return
    user = await accounts.store.users.by_id(row["user_id"])
    if user is None:
        return
    purpose, status = row["purpose"], user["status"]
    if purpose == "confirmation" and status == "pending_confirmation":
        await resend_confirmation(accounts, user)
    elif purpose == "password_reset" and status in ("active", "pending_confirmation"):
        await send_reset_link(accounts, user)
    elif purpose == "email_change" and status == "active":
        new_email = str(row["new_email"])
        if not await accounts.store.users.email_taken(new_email):
            await send_email_change_link(accounts, user, new_email)
    else:
        log.info("link renewal for an account that changed meanwhile: nothing sent")
