"""The accounts application: wiring of the store, the signer, the routes and start-up.

Start-up (``on_start``): the data migrations not yet applied (``migrations.py``), the
admin of ``ADMIN_EMAIL``/``ADMIN_PASSWORD``, the demo accounts when the embedded
default asks for them, and a re-listing of the directory when ``REQUIRE_RECORD_CHECK``
changed since the last start. Subscriptions: the other
services' answers about personal data. Workers: the end of criminal-record checks and
the retention of unused accounts.
"""

from __future__ import annotations

import logging

from aiohttp import web
from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts import record_checks, retention
from services.accounts.api.routes import build_router
from services.accounts.context import ACCOUNTS, Accounts
from services.accounts.directory import LISTING_VERSION, ambassador_changed, relist
from services.accounts.domain.ambassadors import solicitability
from services.accounts.hashing import Passwords
from services.accounts.joining import ensure_admin
from services.accounts.migrations import MIGRATIONS
from services.accounts.settings import AccountsSettings
from services.accounts.store import INDEXES, AccountsStore
from services.accounts.subscriptions import subscriptions
from shared.contracts.accounts import PUBLISHED
from shared.http import AccessTokenSigner
from shared.keys import load_key_pair
from shared.migrations import migrate
from shared.mongo import Document
from shared.runtime import SERVICE_CONTEXT, Platform, ServiceContext, service_app

log = logging.getLogger("services.accounts")


def create_app(platform: Platform, options: AccountsSettings | None = None) -> web.Application:
    """The accounts service, to mount at ``/api/accounts``."""
    options = options or AccountsSettings()
    # Accounts signs access tokens: it needs the private key (created when absent in
    # DATA_DIR/keys, as the embedded default and tests expect).
    keys = load_key_pair(platform.settings, create=True)
    signer = AccessTokenSigner(keys.private_pem, platform.settings.access_token_ttl_seconds)

    # Workers and subscriptions start after the factory returned: the resources are set.
    async def check_records(ctx: ServiceContext) -> None:
        await record_checks.run(app[ACCOUNTS])

    async def retain_accounts(ctx: ServiceContext) -> None:
        await retention.run(app[ACCOUNTS])

    app = service_app(
        platform,
        name="accounts",
        router=build_router(),
        indexes=INDEXES,
        publishes=PUBLISHED,
        subscriptions=lambda ctx: subscriptions(app[ACCOUNTS]),
        workers=[check_records, retain_accounts],
        on_start=[_migrate, _create_admin, _seed_demo, _reconcile_directory],
    )
    ctx = app[SERVICE_CONTEXT]
    app[ACCOUNTS] = Accounts(
        ctx=ctx,
        store=AccountsStore(ctx.db),
        options=options,
        passwords=Passwords(options.hashing_concurrency),
        signer=signer,
    )
    return app


async def _migrate(ctx: ServiceContext, app: web.Application) -> None:
    """Bring the stored data to the shape this code reads, before anything uses it."""
    await migrate(ctx.db, MIGRATIONS, app[ACCOUNTS])


async def _create_admin(ctx: ServiceContext, app: web.Application) -> None:
    settings = ctx.settings
    if not (settings.admin_email and settings.admin_password):
        return
    if await ensure_admin(app[ACCOUNTS], settings.admin_email, settings.admin_password):
        log.info("admin account created from ADMIN_EMAIL")


async def _seed_demo(ctx: ServiceContext, app: web.Application) -> None:
    if getattr(ctx.settings, "demo_data", False):
        from services.accounts.demo import seed_demo

        await seed_demo(ctx)


async def _reconcile_directory(ctx: ServiceContext, app: web.Application) -> None:
    """Re-list every active ambassador if the listing rule or the listing's shape changed."""
    accounts = app[ACCOUNTS]
    wanted = ctx.settings.require_record_check
    state = await accounts.store.directory.state()
    if (
        state is not None
        and state.get("require_record_check") == wanted
        and state.get("listing_version") == LISTING_VERSION
    ):
        return
    rule_changed = state is not None and state.get("require_record_check") != wanted
    relisted = 0
    async for user in accounts.store.users.active_ambassadors():
        # The record rule changed: publish when it changes this ambassador's state.
        changed = rule_changed and solicitability(
            user, require_record_check=not wanted
        ) != solicitability(user, require_record_check=wanted)

        async def work(
            session: AsyncClientSession, user: Document = user, changed: bool = changed
        ) -> dict[str, int]:
            if changed:
                return await ambassador_changed(accounts, None, user, session)
            return await relist(accounts, user, session)

        changes = await ctx.transaction(work)
        await accounts.store.directory.apply_frequency_changes(changes)
        relisted += 1
    await accounts.store.directory.save_state(
        require_record_check=wanted, listing_version=LISTING_VERSION
    )
    if relisted:
        log.info(
            "directory re-listed for REQUIRE_RECORD_CHECK=%s, listing version %d (%d ambassadors)",
            wanted,
            LISTING_VERSION,
            relisted,
        )
