"""Data migrations: each applied once per database, recorded, and again after a failure.

The mechanism (``shared.migrations``) on a database of its own, then accounts' own
migration through a real start of the service.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from services.accounts.settings import AccountsSettings
from shared.migrations import Migration, MigrationError, applied_migrations, migrate
from shared.mongo import Document
from tests.accounts.conftest import Serve

Runs = dict[str, int]


def counting(name: str) -> Any:
    """A migration body that counts how often it ran."""

    async def apply(runs: Runs) -> None:
        runs[name] = runs.get(name, 0) + 1
        # Let a concurrent start reach its own claim while this one works.
        await asyncio.sleep(0.1)

    return apply


MIGRATIONS: list[Migration[Runs]] = [
    Migration(1, "first", counting("first")),
    Migration(2, "second", counting("second")),
]


@pytest.fixture
def database(mongo_client: AsyncMongoClient[Document], database_prefix: str) -> Any:
    return mongo_client[f"{database_prefix}migrations"]


async def test_each_migration_runs_once_and_is_recorded_even_after_a_restart(
    database: Any,
) -> None:
    runs: Runs = {}
    assert await migrate(database, MIGRATIONS, runs) == [1, 2]
    assert await migrate(database, MIGRATIONS, runs) == []  # the next start
    assert runs == {"first": 1, "second": 1}
    assert await applied_migrations(database) == [1, 2]


async def test_a_new_migration_runs_alone_at_the_next_start(database: Any) -> None:
    runs: Runs = {}
    await migrate(database, MIGRATIONS[:1], runs)
    assert await migrate(database, MIGRATIONS, runs) == [2]
    assert runs == {"first": 1, "second": 1}


async def test_replicas_starting_together_apply_each_migration_once(database: Any) -> None:
    runs: Runs = {}
    results = await asyncio.gather(
        *(migrate(database, MIGRATIONS, runs, poll_seconds=0.02) for _ in range(3))
    )
    assert runs == {"first": 1, "second": 1}
    assert sorted(number for applied in results for number in applied) == [1, 2]
    assert await applied_migrations(database) == [1, 2]


async def test_a_failed_migration_stops_the_start_and_runs_again_at_the_next(
    database: Any,
) -> None:
    attempts: list[str] = []

    async def flaky(runs: Runs) -> None:
        attempts.append("try")
        if len(attempts) == 1:
            raise RuntimeError("the data was not what the migration expected")

    migrations = [Migration(1, "flaky", flaky), Migration(2, "second", counting("second"))]
    runs: Runs = {}
    with pytest.raises(MigrationError, match="migration 1 \\(flaky\\) failed"):
        await migrate(database, migrations, runs)
    assert runs == {}  # nothing after the failed one ran
    assert await applied_migrations(database) == []
    assert await migrate(database, migrations, runs) == [1, 2]
    assert len(attempts) == 2


async def test_a_migration_left_running_by_a_dead_replica_is_run_after_its_lease(
    database: Any,
) -> None:
    await database["migrations"].insert_one(
        {
            "_id": 1,
            "name": "first",
            "state": "running",
            "owner": "a replica killed mid-way",
            "lease_until": datetime.now(UTC) - timedelta(seconds=1),
        }
    )
    runs: Runs = {}
    assert await migrate(database, MIGRATIONS, runs) == [1, 2]
    assert runs == {"first": 1, "second": 1}


async def test_migrations_must_be_numbered_in_order(database: Any) -> None:
    with pytest.raises(ValueError, match="distinct increasing numbers"):
        await migrate(database, [MIGRATIONS[1], MIGRATIONS[0]], {})


async def test_accounts_start_gives_older_accounts_the_fields_the_data_rules_read(
    serve: Serve, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    # Recent enough that no worker (retention, end of checks) acts on them meanwhile;
    # the ambassadors not active, so the directory does not list these partial profiles.
    now = datetime.now(UTC).replace(microsecond=0)
    created, decided, uploaded = (now - timedelta(days=days) for days in (10, 5, 2))
    accounts_db = mongo_client[f"{database_prefix}accounts"]
    await accounts_db["users"].insert_many(
        [
            {"_id": "never-seen", "email": "ancien@example.org", "role": "staff",
             "status": "active", "created_at": created, "activated_at": None},
            {"_id": "checked", "email": "verifie@example.org", "role": "ambassador",
             "status": "pending_confirmation", "created_at": created, "activated_at": created,
             "last_seen_at": created,
             "ambassador": {"record": {"status": "verified", "decided_at": decided}}},
            {"_id": "waiting", "email": "attente@example.org", "role": "ambassador",
             "status": "pending_confirmation", "created_at": created, "activated_at": created,
             "last_seen_at": created, "ambassador": {"record": {"status": "submitted"}}},
        ]
    )  # fmt: skip
    await accounts_db["record_documents"].insert_one({"_id": "waiting", "uploaded_at": uploaded})

    async with serve() as client:
        users = {user["_id"]: user async for user in client.db["users"].find()}
        assert await applied_migrations(client.db) == [1, 2, 3]
    assert users["never-seen"]["last_seen_at"].replace(tzinfo=UTC) == created
    validity = timedelta(days=AccountsSettings().record_check_validity_days)
    valid_until = users["checked"]["ambassador"]["record"]["valid_until"]
    assert valid_until.replace(tzinfo=UTC) == decided + validity
    queued = users["waiting"]["ambassador"]["record_document"]["uploaded_at"]
    assert queued.replace(tzinfo=UTC) == uploaded


async def test_answers_handled_under_the_handlers_old_names_stay_handled(
    serve: Serve, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    handled = mongo_client[f"{database_prefix}accounts"]["handled_events"]
    at = datetime.now(UTC).replace(microsecond=0)
    await handled.insert_many(
        [
            {"_id": "reads_agenda:event-1", "handled_at": at},
            {"_id": "erased_notifier:event-2", "handled_at": at},
            # Moved by an earlier run that stopped before deleting the old record.
            {"_id": "reads_messaging:event-3", "handled_at": at},
            {"_id": "audit_messaging:event-3", "handled_at": at},
            # Another handler whose name starts alike is not touched.
            {"_id": "reads_agenda_archive:event-4", "handled_at": at},
        ]
    )
    async with serve() as client:
        ids = sorted([record["_id"] async for record in client.db["handled_events"].find()])
    assert [id for id in ids if id.endswith(("event-1", "event-2", "event-3", "event-4"))] == [
        "audit_agenda:event-1",
        "audit_messaging:event-3",
        "erasure_notifier:event-2",
        "reads_agenda_archive:event-4",
    ]


async def test_partnership_requests_received_before_their_status_are_to_handle(
    serve: Serve, mongo_client: AsyncMongoClient[Document], database_prefix: str
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    requests = mongo_client[f"{database_prefix}accounts"]["partner_requests"]
    await requests.insert_one(
        {"_id": "before", "organization_name": "Ancienne Demande", "siret": None,
         "contact_name": "Inès Garnier", "email": "ines@example.org", "phone": None,
         "sponsorship": False, "message": "", "created_at": now - timedelta(days=3),
         "expires_at": now + timedelta(days=300)}
    )  # fmt: skip
    async with serve() as client:
        admin = await client.admin_token()
        to_handle = await client.call(
            "GET", "/partner-requests", token=admin, params={"status": "new"}
        )
    assert [item["id"] for item in to_handle.body["items"]] == ["before"]
    assert to_handle.body["items"][0]["status"] == "new"
