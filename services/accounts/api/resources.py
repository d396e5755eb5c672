"""What every accounts route handler reaches first: the service's resources."""

from __future__ import annotations

from typing import Any

from services.accounts import credentials
from services.accounts.context import ACCOUNTS, Accounts
from shared.http import Call


def accounts_of(call: Call[Any, Any]) -> Accounts:
    """The service's resources, from the application."""
    return call.request.config_dict[ACCOUNTS]


async def accounts_for_open_session(call: Call[Any, Any]) -> Accounts:
    """The service's resources, once the caller's session is checked still open: a signed
    token outlives a sign-out or a suspension, so the routes that read others' data or
    change the programme ask the database first (401 ``SESSION_ENDED`` otherwise)."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
    return accounts
