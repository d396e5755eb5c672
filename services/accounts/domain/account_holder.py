"""Who an email about one's own account is addressed to: the fields every such event
carries, read from the stored account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from shared.contracts.accounts import Role


class AccountHolder(TypedDict):
    """The fields of the events mailed to the person they are about."""

    user_id: str
    email: str
    first_name: str


class AccountHolderInRole(AccountHolder):
    """The same, for the events whose wording depends on the person's role."""

    role: Role


def account_holder(user: Mapping[str, Any]) -> AccountHolder:
    """Who an email about the stored account ``user`` goes to, at its current address."""
    return {"user_id": user["_id"], "email": user["email"], "first_name": user["first_name"]}


def account_holder_in_role(user: Mapping[str, Any]) -> AccountHolderInRole:
    """:func:`account_holder` with the account's role."""
    return {**account_holder(user), "role": user["role"]}
