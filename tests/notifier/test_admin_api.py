"""The delivery log and the retry button, as an admin's browser would call them.

Both show admins people's addresses: each answer is reported for accounts' audit log
(``notifier.personal_data.read``, naming the people whose records were shown).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from services.notifier.domain import RenderedEmail
from services.notifier.store import new_delivery
from shared.bus import Delivery, Subscription
from shared.contracts.accounts import UserDeleted
from shared.contracts.notifier import NotifierPersonalDataRead, NotifierUserErased
from shared.events import Event
from shared.http import AccessTokenSigner, Principal
from shared.keys import load_key_pair
from shared.settings import Settings
from tests.fixtures.http import send
from tests.fixtures.platform import RunningPlatform, running, settled
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import (
    NotifierDatabase,
    fast_delivery,
    notifier,
    publish_all,
)

MakeSettings = Callable[..., Settings]

ADMIN = Principal(user_id="admin-1", role="admin", session_id="s-admin")
STAFF = Principal(
    user_id="staff-1", role="staff", session_id="s-staff", establishment_uai="0590001A"
)


def token_for(settings: Settings, principal: Principal) -> dict[str, str]:
    """The Authorization header of ``principal``, signed with the platform's key pair."""
    pair = load_key_pair(settings, create=True)
    return {"Authorization": f"Bearer {AccessTokenSigner(pair.private_pem, 900).issue(principal)}"}


@pytest.fixture
def settings(make_settings: MakeSettings, smtp_server: SmtpServer) -> Settings:
    made = make_settings(**smtp_server.settings())
    # The key pair exists before the platform starts, as accounts would have made it.
    load_key_pair(made, create=True)
    return made


async def call(
    run: RunningPlatform, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    answer = await send(run.http, method, run.url(f"/api/notifier{path}"), headers=headers)
    return answer.status, answer.body


async def listen(run: RunningPlatform, *events: type[Event]) -> list[Event]:
    """What the notifier publishes of these types, as accounts would receive it."""
    heard: list[Event] = []

    async def record(delivery: Delivery) -> None:
        heard.append(delivery.event)

    for event in events:
        await run.platform.bus.subscribe(Subscription("tests", "listen", event, record))
    return heard


def reads(heard: list[Event]) -> list[tuple[str, str, list[str]]]:
    """The reads reported, each as (reader, action, people named)."""
    return [
        (read.actor_id, read.action, read.user_ids)
        for read in heard
        if isinstance(read, NotifierPersonalDataRead)
    ]


async def test_delivery_log_is_for_admins_only(settings: Settings) -> None:
    async with running(settings, {"notifier": notifier()}) as run:
        anonymous = await call(run, "GET", "/deliveries")
        staff = await call(run, "GET", "/deliveries", token_for(settings, STAFF))
        retry = await call(run, "POST", "/deliveries/x/retry", token_for(settings, STAFF))
        totals = await call(run, "GET", "/deliveries/totals", token_for(settings, STAFF))

    assert anonymous[0] == 401
    assert anonymous[1]["error"]["code"] == "unauthorized"
    assert staff[0] == 403
    assert staff[1]["error"]["code"] == "forbidden"
    assert retry[0] == 403
    assert totals[0] == 403


async def test_admin_lists_deliveries_by_status_page_by_page(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    smtp_server.answer_next("550 5.1.1 Mailbox unknown")
    admin = token_for(settings, ADMIN)
    async with running(settings, {"notifier": notifier()}) as run:
        [refused] = await publish_all(
            run.platform, [samples.registered("u-0", "inconnu@exemple.fr")]
        )
        await notifier_db.wait_status(refused, "failed")
        await publish_all(
            run.platform, [samples.registered(f"u-{n}", f"u{n}@exemple.fr") for n in (1, 2, 3)]
        )
        await notifier_db.wait_finished(4)
        first = await call(run, "GET", "/deliveries?status=sent&limit=2", admin)
        second = await call(
            run, "GET", f"/deliveries?status=sent&limit=2&cursor={first[1]['next_cursor']}", admin
        )
        failed = await call(run, "GET", "/deliveries?status=failed", admin)
        everything = await call(run, "GET", "/deliveries", admin)
        bad = await call(run, "GET", "/deliveries?status=lost", admin)
        totals = await call(run, "GET", "/deliveries/totals", admin)

    assert first[0] == second[0] == failed[0] == 200
    sent = first[1]["items"] + second[1]["items"]
    assert second[1]["next_cursor"] is None
    assert sorted(item["recipient"] for item in sent) == [
        "u1@exemple.fr",
        "u2@exemple.fr",
        "u3@exemple.fr",
    ]
    # Newest first.
    assert [item["created_at"] for item in sent] == sorted(
        (item["created_at"] for item in sent), reverse=True
    )
    [line] = failed[1]["items"]
    assert line["recipient"] == "inconnu@exemple.fr"
    assert line["template"] == "account_confirmation"
    assert line["status"] == "failed"
    assert line["attempts"] == 1
    assert line["last_error"] == "smtp_message_refused 550 5.1.1 Mailbox unknown"
    assert line["event_id"] == str(refused.id)
    assert len(everything[1]["items"]) == 4
    # The log never shows what the emails said (links with tokens).
    assert "token" not in str(everything[1])
    assert bad[0] == 400
    assert totals == (
        200,
        {"queued": 0, "sending": 0, "sent": 3, "failed": 1, "dead": 0, "total": 4},
    )


async def test_admin_retry_sends_a_dead_delivery_again_once(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    smtp_server.answer_next("451 4.3.0 Busy", "451 4.3.0 Busy")
    admin = token_for(settings, ADMIN)
    async with running(settings, {"notifier": notifier(fast_delivery(max_attempts=2))}) as run:
        heard = await listen(run, NotifierPersonalDataRead)
        [envelope] = await publish_all(run.platform, [samples.registered()])
        dead = await notifier_db.wait_status(envelope, "dead")
        retried = await call(run, "POST", f"/deliveries/{dead['_id']}/retry", admin)
        sent = await notifier_db.wait_status(envelope, "sent")
        again = await call(run, "POST", f"/deliveries/{dead['_id']}/retry", admin)
        unknown = await call(run, "POST", "/deliveries/nope/retry", admin)
        await settled(run.platform, ["notifier"])

    assert retried[0] == 202
    assert retried[1]["status"] == "queued"
    assert retried[1]["attempts"] == 0
    [mail] = smtp_server.to(samples.AMBASSADOR_EMAIL)
    assert samples.CONFIRMATION_URL in mail.text()
    assert sent["attempts"] == 1
    assert again[0] == 409
    assert again[1]["error"]["code"] == "delivery_already_sent"
    assert unknown[0] == 404
    assert unknown[1]["error"]["code"] == "delivery_not_found"
    # The answer showed her address; the refusals showed nothing.
    assert reads(heard) == [(ADMIN.user_id, "delivery_retried", [samples.AMBASSADOR_ID])]


async def test_reading_the_log_is_reported_naming_the_people_whose_records_were_shown(
    settings: Settings, notifier_db: NotifierDatabase
) -> None:
    admin = token_for(settings, ADMIN)
    async with running(settings, {"notifier": notifier()}) as run:
        heard = await listen(run, NotifierPersonalDataRead, NotifierUserErased)
        await publish_all(
            run.platform,
            [
                samples.registered("u-1", "u1@exemple.fr"),
                samples.registered("u-2", "u2@exemple.fr"),
                samples.registered(ADMIN.user_id, "admin@exemple.fr", role="admin"),
            ],
        )
        await notifier_db.wait_finished(3)
        # A record that belongs to no account.
        await notifier_db.store.deliveries.insert_one(
            new_delivery(
                RenderedEmail(
                    template="email_change_confirmation",
                    recipient="ailleurs@exemple.fr",
                    envelope_from="ne-pas-repondre@exemple.fr",
                    subject="Confirmez votre nouvelle adresse",
                    message_id="<e-0@exemple.fr>",
                    mime=b"",
                ),
                event_id="e-0",
                event_type="accounts.email_change.requested",
                user_id=None,
                erases_user=False,
                now=datetime.now(UTC),
            )
            | {"status": "sent", "next_attempt_at": None}
        )
        refused = await call(run, "GET", "/deliveries", token_for(settings, STAFF))
        listed = await call(run, "GET", "/deliveries", admin)
        await wait_until(lambda: bool(reads(heard)), what="the first read reported")
        gone = UserDeleted(
            user_id="u-1", role="ambassador", email="u1@exemple.fr", first_name="Zoé"
        )
        await publish_all(run.platform, [gone])
        await wait_until(
            lambda: any(isinstance(event, NotifierUserErased) for event in heard),
            what="notifier.user.erased",
        )
        erased = await call(run, "GET", "/deliveries", admin)
        await settled(run.platform, ["notifier"])

    assert refused[0] == 403
    assert len(listed[1]["items"]) == 4
    shown = [item["user_id"] for item in listed[1]["items"]]
    others = [user_id for user_id in shown if user_id not in (None, ADMIN.user_id)]
    assert sorted(others) == ["u-1", "u-2"]
    assert len(erased[1]["items"]) == 5  # with the farewell to u-1, erased too
    # Not the admin herself, nor a record of no account, nor records already erased.
    assert reads(heard) == [
        (ADMIN.user_id, "deliveries_listed", others),
        (ADMIN.user_id, "deliveries_listed", ["u-2"]),
    ]
    [read, *_] = [event for event in heard if isinstance(event, NotifierPersonalDataRead)]
    assert (read.actor_role, read.service) == ("admin", "notifier")
