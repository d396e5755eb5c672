"""What every use case of accounts works with, built once per application."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from services.accounts.hashing import Passwords
from services.accounts.settings import AccountsSettings
from services.accounts.store import AccountsStore
from shared.http import AccessTokenSigner
from shared.runtime import ServiceContext
from shared.settings import Settings


@dataclass
class Accounts:
    """The accounts service's resources: its context, store, hashing and token signer."""

    ctx: ServiceContext
    store: AccountsStore
    options: AccountsSettings
    passwords: Passwords
    signer: AccessTokenSigner

    @property
    def settings(self) -> Settings:
        """The platform settings."""
        return self.ctx.settings

    @staticmethod
    def now() -> datetime:
        """The current instant (UTC)."""
        return datetime.now(UTC)

    @staticmethod
    def new_id() -> str:
        """A new opaque identifier."""
        return uuid.uuid4().hex


ACCOUNTS: web.AppKey[Accounts] = web.AppKey("accounts", Accounts)
