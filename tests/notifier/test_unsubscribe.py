"""Emails a person may decline: one-click unsubscribe (RFC 8058) and « Mes notifications ».

Through the real platform: in-process bus, SecantusDB, an aiosmtpd server whose
received bytes are parsed, and the notifier's HTTP API called as the site would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from shared.contracts.accounts import ExportRequested, UserDeleted
from shared.contracts.agenda import AppointmentCompleted, CallPublished
from shared.contracts.notifier import NotifierExportPrepared, NotifierUserErased
from shared.events import Event
from shared.http import Principal
from shared.keys import load_key_pair
from shared.settings import Settings
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import ReceivedMail, SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import NotifierDatabase, notifier, publish_all
from tests.notifier.samples import AMBASSADOR_EMAIL, AMBASSADOR_ID, REQUESTER_EMAIL, REQUESTER_ID
from tests.notifier.test_admin_api import listen, token_for

MakeSettings = Callable[..., Settings]
AMBASSADOR = Principal(user_id=AMBASSADOR_ID, role="ambassador", session_id="s-amb")
PEOPLE = [samples.activated(), samples.activated(REQUESTER_ID, REQUESTER_EMAIL, "Paul", "staff")]


@pytest.fixture
def settings(make_settings: MakeSettings, smtp_server: SmtpServer) -> Settings:
    made = make_settings(**smtp_server.settings())
    load_key_pair(made, create=True)
    return made


async def call(
    run: RunningPlatform, method: str, path: str, *, json: Any = None, headers: Any = None
) -> tuple[int, Any]:
    url = run.url(f"/api/notifier{path}")
    async with run.http.request(method, url, json=json, headers=headers) as answer:
        return answer.status, await answer.json() if answer.status != 204 else None


def token_of(mail: ReceivedMail) -> str:
    """The token of the email's one-click link."""
    link = str(mail.message["List-Unsubscribe"]).strip().strip("<>")
    return parse_qs(urlsplit(link).query)["jeton"][0]


def completed(appointment_id: str) -> AppointmentCompleted:
    return AppointmentCompleted(appointment=samples.facts(appointment_id=appointment_id))


async def test_one_click_unsubscribe_stops_that_kind_and_not_the_others(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    async with running(settings, {"notifier": notifier()}) as run:
        await publish_all(run.platform, PEOPLE)
        await notifier_db.wait_finished(2)
        await publish_all(run.platform, [completed("apt-1")])
        [_, asked] = await smtp_server.wait_for(2, to=AMBASSADOR_EMAIL)
        await notifier_db.wait_finished(4)
        assert asked.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        status, answer = await call(
            run, "POST", "/unsubscriptions", json={"token": token_of(asked)}
        )
        assert (status, answer["kind"]) == (200, "feedback")
        # A second click (or a mail program's retry) changes nothing more.
        again, _ = await call(run, "POST", "/unsubscriptions", json={"token": token_of(asked)})
        assert again == 200

        await publish_all(
            run.platform,
            [
                completed("apt-2"),
                CallPublished(call=samples.call(), recipient_ids=[AMBASSADOR_ID]),
            ],
        )
        records = await notifier_db.wait_finished(7)
        status, mine = await call(run, "GET", "/me/emails", headers=token_for(settings, AMBASSADOR))

    to_ambassador = [str(mail.message["Subject"]) for mail in smtp_server.to(AMBASSADOR_EMAIL)]
    # Activation, the first feedback request, the open call: not the second feedback request.
    assert len(to_ambassador) == 3
    assert any("Appel" in subject or "appel" in subject for subject in to_ambassador)
    # The other party still receives theirs.
    assert len(smtp_server.to(REQUESTER_EMAIL)) == 3
    [skipped] = [r for r in records if r["status"] == "skipped"]
    assert (skipped["template"], skipped["user_id"], skipped["last_error"]) == (
        "feedback_request",
        AMBASSADOR_ID,
        "skipped_by_preference",
    )
    assert "message" not in skipped
    assert status == 200
    assert {choice["kind"]: choice["wanted"] for choice in mine["choices"]} == {
        "feedback": False,
        "calls": True,
    }


async def test_a_forged_or_altered_unsubscribe_token_is_refused_in_french(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    async with running(settings, {"notifier": notifier()}) as run:
        await publish_all(run.platform, PEOPLE)
        await publish_all(run.platform, [completed("apt-1")])
        [_, asked] = await smtp_server.wait_for(2, to=AMBASSADOR_EMAIL)
        token = token_of(asked)
        user, kind, signature = token.split(".")
        forged = [f"{user}.calls.{signature}", f"{user}.{kind}.{signature[:-2]}AA", "n'importe"]
        answers = [
            await call(run, "POST", "/unsubscriptions", json={"token": bad}) for bad in forged
        ]
        shown, view = await call(run, "GET", f"/unsubscriptions/{token}")
        read, mine = await call(run, "GET", "/me/emails", headers=token_for(settings, AMBASSADOR))

    assert read == 200
    for status_code, body in answers:
        assert status_code == 404
        assert body["error"]["code"] == "unsubscribe_link_invalid"
        assert "Mes notifications" in body["error"]["message"]
    # Reading what a link declines changes nothing (mail scanners open links).
    assert (shown, view["kind"]) == (200, "feedback")
    assert all(choice["wanted"] for choice in mine["choices"])


async def test_my_emails_are_chosen_on_the_settings_api_and_part_of_my_export(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    me = token_for(settings, AMBASSADOR)
    async with running(settings, {"notifier": notifier()}) as run:
        heard: list[Event] = await listen(run, NotifierExportPrepared)
        await publish_all(run.platform, [samples.activated()])
        bad, error = await call(
            run, "PUT", "/me/emails", json={"wanted": {"newsletter": False}}, headers=me
        )
        # A field that is not the body's is refused, not ignored (« wanted » is the one).
        misspelt, refused = await call(
            run, "PUT", "/me/emails", json={"wanted": {}, "unwanted": ["calls"]}, headers=me
        )
        ok, chosen = await call(
            run, "PUT", "/me/emails", json={"wanted": {"calls": False}}, headers=me
        )
        await publish_all(
            run.platform,
            [ExportRequested(request_id="req-1", user_id=AMBASSADOR_ID, role="ambassador")],
        )
        await wait_until(lambda: bool(heard), what="notifier.export.prepared")

    assert bad == 422
    assert error["error"]["code"] == "unknown_email_kind"
    assert misspelt == 400
    assert refused["error"]["message"] == "Le champ « unwanted » n'est pas attendu."
    assert ok == 200
    assert {c["kind"]: c["wanted"] for c in chosen["choices"]} == {"feedback": True, "calls": False}
    [part] = heard
    assert isinstance(part, NotifierExportPrepared)
    assert set(part.data["declined_emails"]) == {"calls"}
    assert part.data["address_bounced_at"] is None


async def test_the_choices_of_a_deleted_account_are_erased_with_it(
    settings: Settings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    me = token_for(settings, AMBASSADOR)
    deleted = UserDeleted(
        user_id=AMBASSADOR_ID, role="ambassador", email=AMBASSADOR_EMAIL, first_name="Zoé"
    )
    async with running(settings, {"notifier": notifier()}) as run:
        erased: list[Event] = await listen(run, NotifierUserErased)
        await publish_all(run.platform, [samples.activated()])
        ok, _ = await call(run, "PUT", "/me/emails", json={"wanted": {"calls": False}}, headers=me)
        assert ok == 200
        assert await notifier_db.store.declined([AMBASSADOR_ID]) == {AMBASSADOR_ID: {"calls"}}
        await publish_all(run.platform, [deleted])
        await wait_until(lambda: bool(erased), what="notifier.user.erased")

    assert await notifier_db.store.declined([AMBASSADOR_ID]) == {}
