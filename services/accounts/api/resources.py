"""What every accounts route handler reaches first: the service's resources."""

from __future__ import annotations

from typing import Any

from services.accounts.context import ACCOUNTS, Accounts
from shared.http import Call


def accounts_of(call: Call[Any, Any]) -> Accounts:
    """The service's resources, from the application."""
    return call.request.config_dict[ACCOUNTS]
