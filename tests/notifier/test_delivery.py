"""Events in, emails out, through the real platform: in-process bus, SecantusDB, aiosmtpd.

Every email is read back from the raw bytes the SMTP server received.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pymongo import AsyncMongoClient

from services.notifier.domain import RenderedEmail
from services.notifier.sender import SmtpSender
from services.notifier.store import ERASED_ADDRESS, INDEXES, new_delivery
from services.notifier.subscriptions import (
    HANDLER,
    SERVICE,
    NotifierExportPrepared,
    NotifierUserErased,
)
from services.notifier.worker import DeliveryWorker
from shared.bus import Delivery, Subscription
from shared.contracts.accounts import ExportRequested, UserDeleted, UserRegistered
from shared.contracts.agenda import SolicitationCreated
from shared.events import Event
from shared.idempotency import HandledEvents
from shared.mongo import Document, ensure_indexes
from shared.outbox import Outbox
from shared.settings import Settings
from tests.fixtures.platform import bus_idle, running
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer
from tests.notifier import samples
from tests.notifier.conftest import (
    NotifierDatabase,
    fast_delivery,
    notifier,
    publish_all,
    wrap,
)
from tests.notifier.samples import AMBASSADOR_EMAIL, AMBASSADOR_ID, REQUESTER_EMAIL, REQUESTER_ID

MakeSettings = Callable[..., Settings]


def people(count: int, tag: str = "p") -> list[tuple[str, str]]:
    """``count`` (user id, address) pairs."""
    return [(f"{tag}-{n}", f"{tag}{n}@exemple.fr") for n in range(count)]


def sign_ups(who: list[tuple[str, str]]) -> list[UserRegistered]:
    return [samples.registered(user_id, address) for user_id, address in who]


def delivery_for(address: str, now: datetime) -> Document:
    """A queued delivery record of a plain message to ``address``."""
    mime = f"From: ne-pas-repondre@exemple.fr\r\nTo: {address}\r\nSubject: Test\r\n\r\nBonjour\r\n"
    email = RenderedEmail(
        template="account_confirmation",
        recipient=address,
        envelope_from="ne-pas-repondre@exemple.fr",
        subject="Test",
        message_id=f"<{uuid.uuid4().hex}@exemple.fr>",
        mime=mime.encode(),
    )
    return new_delivery(
        email,
        event_id=uuid.uuid4().hex,
        event_type="accounts.user.registered",
        user_id=None,
        erases_user=False,
        now=now,
    )


def exactly_once(smtp: SmtpServer, addresses: list[str]) -> None:
    received = Counter(recipient for mail in smtp.inbox for recipient in mail.rcpt_tos)
    assert received == Counter(addresses)


async def test_sign_up_email_reaches_the_smtp_server_and_its_link_is_forgotten_once_sent(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        [envelope] = await publish_all(run.platform, [samples.registered()])
        [mail] = await smtp_server.wait_for(1, to=AMBASSADOR_EMAIL)
        record = await notifier_db.wait_status(envelope, "sent")

    assert mail.mail_from == "bounces@prochorientation.localhost"
    assert mail.message["Subject"] == "Confirmez votre inscription à Proch'Orientation"
    assert samples.CONFIRMATION_URL in mail.text()
    assert "valable 12 heures" in " ".join(mail.text().split())
    assert record["recipient"] == AMBASSADOR_EMAIL
    assert record["user_id"] == AMBASSADOR_ID
    assert record["template"] == "account_confirmation"
    assert record["event_type"] == "accounts.user.registered"
    assert record["attempts"] == 1
    assert record["sent_at"] is not None
    # The token travelled once; the log keeps no copy of it.
    assert "message" not in record
    assert "secret-confirmation-token" not in repr(record)


async def test_the_same_event_delivered_three_times_sends_one_email(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        envelope = wrap(samples.registered())
        errors = await run.platform.bus.publish_many([envelope, envelope, envelope])
        assert errors == [None, None, None]
        await bus_idle(run.platform)
        await notifier_db.wait_finished(1)

    assert len(smtp_server.to(AMBASSADOR_EMAIL)) == 1
    assert len(await notifier_db.for_event(envelope)) == 1


async def test_smtp_server_down_during_a_burst_every_email_arrives_exactly_once(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    first, second = people(25, "a"), people(25, "b")
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        await publish_all(run.platform, sign_ups(first))
        await smtp_server.wait_for(1, within=60)
        smtp_server.stop()
        await publish_all(run.platform, sign_ups(second))

        async def retrying() -> bool:
            return bool(await notifier_db.deliveries(attempts={"$gte": 2}))

        await wait_until(retrying, within=20, what="deliveries retried while SMTP is down")
        smtp_server.start()
        records = await notifier_db.wait_finished(50, within=30)

    exactly_once(smtp_server, [address for _, address in first + second])
    assert {record["status"] for record in records} == {"sent"}
    retried = [record for record in records if record["attempts"] > 1]
    assert retried
    # Refused connections, or a connection cut as the server stopped.
    errors = {record["last_error"].split()[0] for record in retried}
    assert errors <= {"smtp_connection_failed", "smtp_disconnected"}, errors


async def test_temporary_refusal_is_retried_then_sent(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    smtp_server.answer_next("451 4.3.0 Try again later")
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        [envelope] = await publish_all(run.platform, [samples.registered()])
        record = await notifier_db.wait_status(envelope, "sent")

    assert len(smtp_server.to(AMBASSADOR_EMAIL)) == 1
    assert record["attempts"] == 2
    assert record["last_error"] == "smtp_temporary_rejection 451 4.3.0 Try again later"


async def test_permanent_refusal_fails_at_once_and_is_not_retried(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    smtp_server.answer_next("550 5.1.1 Mailbox unknown")
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        [refused] = await publish_all(run.platform, [samples.registered()])
        record = await notifier_db.wait_status(refused, "failed")
        # Later emails still flow, and the refused one is not among them.
        [later] = await publish_all(run.platform, [samples.registered("u-2", "autre@exemple.fr")])
        await notifier_db.wait_status(later, "sent")

    assert record["attempts"] == 1
    assert record["last_error"] == "smtp_message_refused 550 5.1.1 Mailbox unknown"
    assert "next_attempt_at" not in record
    assert [mail.rcpt_tos for mail in smtp_server.inbox] == [["autre@exemple.fr"]]


async def test_temporary_failures_until_the_last_attempt_make_the_delivery_dead(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    smtp_server.answer_next(*["452 4.2.2 Mailbox full"] * 3)
    config = fast_delivery(max_attempts=3)
    async with running(
        make_settings(**smtp_server.settings()), {"notifier": notifier(config)}
    ) as run:
        [envelope] = await publish_all(run.platform, [samples.registered()])
        record = await notifier_db.wait_status(envelope, "dead")

    assert record["attempts"] == 3
    assert record["last_error"] == "smtp_temporary_rejection 452 4.2.2 Mailbox full"
    assert smtp_server.inbox == []


async def test_a_delivery_too_old_is_dead_even_with_attempts_left(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    smtp_server.stop()
    config = fast_delivery(max_age_seconds=0.3)
    async with running(
        make_settings(**smtp_server.settings()), {"notifier": notifier(config)}
    ) as run:
        [envelope] = await publish_all(run.platform, [samples.registered()])
        record = await notifier_db.wait_status(envelope, "dead")

    assert record["attempts"] < 100
    assert record["last_error"].startswith("smtp_connection_failed")


async def test_notifier_restarted_mid_burst_resumes_and_sends_each_email_once(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    who = people(40)
    settings = make_settings(**smtp_server.settings())
    # Small batches so that the stop falls in the middle of the work.
    config = fast_delivery(batch_size=3)
    async with running(settings, {"notifier": notifier(config)}) as run:
        await publish_all(run.platform, sign_ups(who))
        await bus_idle(run.platform)  # every event handled: the rest is the worker's
        await smtp_server.wait_for(1, within=60)
    stopped_with = len(smtp_server.inbox)

    async with running(settings, {"notifier": notifier(config)}):
        await notifier_db.wait_finished(40)

    assert stopped_with < 40, "the first run should have been stopped mid-burst"
    exactly_once(smtp_server, [address for _, address in who])


async def test_emails_claimed_by_a_crashed_worker_are_sent_once_its_lease_ends(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    who = people(5)
    settings = make_settings(**smtp_server.settings())
    smtp_server.stop()
    async with running(settings, {"notifier": notifier(fast_delivery(poll_seconds=30))}) as run:
        envelopes = await publish_all(run.platform, sign_ups(who))
        await bus_idle(run.platform)
    # The first attempts failed (no SMTP server): wait until their retries are due.
    due_at = max(record["next_attempt_at"] for record in await notifier_db.deliveries())
    await wait_until(lambda: datetime.now(UTC) >= due_at, what="the retries to be due")
    # A replica claims them, then dies without a word.
    claimed = await notifier_db.store.claim_batch(
        now=datetime.now(UTC), size=10, lease=timedelta(seconds=0.5), claim="crashed"
    )
    assert len(claimed) == len(envelopes)
    smtp_server.start()

    async with running(settings, {"notifier": notifier()}):
        records = await notifier_db.wait_finished(5)

    exactly_once(smtp_server, [address for _, address in who])
    assert {record["status"] for record in records} == {"sent"}


async def test_event_handled_before_by_another_replica_sends_nothing(
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
    mongo_client: AsyncMongoClient[Document],
) -> None:
    envelope = wrap(samples.registered())
    later = wrap(samples.registered("u-2", "autre@exemple.fr"))
    settings = make_settings(**smtp_server.settings())
    # What a replica that handled it already left behind (shared.idempotency's record).
    db = mongo_client[settings.database_name(SERVICE)]
    handled = HandledEvents(mongo_client, db)

    async def nothing(_: object) -> None:
        return None

    assert await handled.once(HANDLER, envelope.id, nothing)
    async with running(settings, {"notifier": notifier()}) as run:
        await run.platform.bus.publish(envelope)
        await run.platform.bus.publish(later)
        await bus_idle(run.platform)
        await notifier_db.wait_finished(1)

    assert [mail.rcpt_tos for mail in smtp_server.inbox] == [["autre@exemple.fr"]]
    assert await notifier_db.for_event(envelope) == []


def _subscription(event: type[SolicitationCreated]) -> Subscription:
    async def unused(_: object) -> None:
        raise AssertionError

    return Subscription(service=SERVICE, name=HANDLER, model=event, handler=unused)


async def test_email_to_a_user_not_yet_known_waits_for_their_contact_then_goes(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    settings = make_settings(**smtp_server.settings(), bus_retry_delays=[0.3, 1, 2, 4])
    solicitation = SolicitationCreated(appointment=samples.facts(), requester_role="staff")
    async with running(settings, {"notifier": notifier()}) as run:
        # Agenda's event overtakes the contact: the handler fails, the bus retries.
        [envelope] = await publish_all(run.platform, [solicitation])
        await publish_all(run.platform, [samples.activated()])
        record = await notifier_db.wait_status(envelope, "sent")
        await bus_idle(run.platform)
        assert await run.platform.bus.parked(_subscription(SolicitationCreated)) == []

    assert record["recipient"] == AMBASSADOR_EMAIL
    [mail] = [m for m in smtp_server.to(AMBASSADOR_EMAIL) if "sollicitation" in m.text()]
    assert "mardi 3 mars 2026 à 14 h 00" in mail.text()


async def test_email_to_a_user_never_known_is_parked_not_lost(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    settings = make_settings(**smtp_server.settings())
    unknown = SolicitationCreated(
        appointment=samples.facts(ambassador_id="nobody"), requester_role="staff"
    )
    async with running(settings, {"notifier": notifier()}) as run:
        [envelope] = await publish_all(run.platform, [unknown])
        await bus_idle(run.platform)
        parked = await run.platform.bus.parked(_subscription(SolicitationCreated))

    assert len(parked) == 1
    assert str(envelope.id) in parked[0].body.decode()
    assert "RecipientUnknownError" in parked[0].reason
    assert await notifier_db.for_event(envelope) == []


async def test_relayed_message_never_carries_the_real_address_of_its_sender(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    event = samples.relayed()
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        # The notifier knows both parties' real addresses.
        await publish_all(
            run.platform,
            [
                samples.activated(),
                samples.activated(REQUESTER_ID, REQUESTER_EMAIL, "Paul", "staff"),
            ],
        )
        await notifier_db.wait_finished(2)
        [envelope] = await publish_all(run.platform, [event])
        await notifier_db.wait_status(envelope, "sent")

    [mail] = [m for m in smtp_server.to(REQUESTER_EMAIL) if m.message["Subject"] == event.subject]
    message = mail.message
    [sender] = message["From"].addresses
    assert sender.display_name == "Zoé M. via Proch'Orientation"
    assert sender.addr_spec == event.reply_to
    assert message["Reply-To"].addresses[0].addr_spec == event.reply_to
    assert message["Message-ID"] == event.mail_message_id
    assert message["In-Reply-To"] == event.in_reply_to
    assert mail.text().replace("\r\n", "\n").startswith(event.body)
    # Nowhere: not in a header, not in a part, not in the envelope, not encoded.
    decoded = "\n".join(
        [f"{name}: {value}" for name, value in message.items()]
        + [str(part.get_content()) for part in message.walk() if not part.is_multipart()]
    )
    for leak in (AMBASSADOR_EMAIL, "zoe.martin"):
        assert leak.encode() not in mail.raw
        assert leak not in decoded
    assert mail.mail_from != AMBASSADOR_EMAIL


def probe(event: type[Event], seen: list[Event]) -> Subscription:
    """A test's own subscription, recording what the notifier published."""

    async def record(delivery: Delivery) -> None:
        seen.append(delivery.event)

    return Subscription(service="tests", name="probe", model=event, handler=record)


async def test_deleted_user_gets_a_last_email_then_disappears_from_the_log(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    deleted = UserDeleted(
        user_id=AMBASSADOR_ID, role="ambassador", email=AMBASSADOR_EMAIL, first_name="Zoé"
    )
    late = SolicitationCreated(appointment=samples.facts(), requester_role="staff")
    erased: list[Event] = []
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        await run.platform.bus.subscribe(probe(NotifierUserErased, erased))
        await publish_all(run.platform, [samples.activated()])
        await notifier_db.wait_finished(1)
        [deletion] = await publish_all(run.platform, [deleted])
        await notifier_db.wait_status(deletion, "sent")
        # Accounts hears that the notifier has forgotten the person.
        await wait_until(lambda: bool(erased), what="notifier.user.erased")
        # An event about them that comes late finds nobody to write to.
        [late_envelope] = await publish_all(run.platform, [late])
        await bus_idle(run.platform)

    subjects = [str(mail.message["Subject"]) for mail in smtp_server.to(AMBASSADOR_EMAIL)]
    assert subjects == [
        "Votre compte Proch'Orientation est activé",
        "Votre compte Proch'Orientation a été supprimé",
    ]
    assert erased == [NotifierUserErased(user_id=AMBASSADOR_ID, service="notifier")]
    records = await notifier_db.deliveries(user_id=AMBASSADOR_ID)
    assert len(records) == 2
    assert {record["recipient"] for record in records} == {ERASED_ADDRESS}
    assert await notifier_db.store.erasures_pending() == 0
    assert await notifier_db.for_event(late_envelope) == []
    contact = await notifier_db.store.contact(AMBASSADOR_ID)
    assert contact is not None
    assert (contact.deleted, contact.email, contact.first_name) == (True, None, None)


async def test_account_never_activated_is_erased_without_a_farewell_email(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    expired = UserDeleted(
        user_id=AMBASSADOR_ID,
        role="ambassador",
        email=AMBASSADOR_EMAIL,
        first_name="Zoé",
        reason="unconfirmed",
    )
    erased: list[Event] = []
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        await run.platform.bus.subscribe(probe(NotifierUserErased, erased))
        await publish_all(run.platform, [samples.registered()])
        await notifier_db.wait_finished(1)
        await publish_all(run.platform, [expired])
        await wait_until(lambda: bool(erased), what="notifier.user.erased")

    subjects = [str(mail.message["Subject"]) for mail in smtp_server.to(AMBASSADOR_EMAIL)]
    assert subjects == ["Confirmez votre inscription à Proch'Orientation"]
    [record] = await notifier_db.deliveries(user_id=AMBASSADOR_ID)
    assert record["recipient"] == ERASED_ADDRESS


async def test_export_gives_the_contact_and_the_email_log_without_any_message(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    parts: list[Event] = []
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        await run.platform.bus.subscribe(probe(NotifierExportPrepared, parts))
        await publish_all(run.platform, [samples.registered()])
        await notifier_db.wait_finished(1)
        request = wrap(
            ExportRequested(request_id="req-1", user_id=AMBASSADOR_ID, role="ambassador")
        )
        # Delivered twice, answered once.
        assert await run.platform.bus.publish_many([request, request]) == [None, None]
        await wait_until(lambda: bool(parts), what="notifier.export.prepared")
        outbox = Outbox(notifier_db.store.deliveries.database, producer="notifier")

        async def all_published() -> bool:
            return await outbox.pending_count() == 0

        await bus_idle(run.platform)
        await wait_until(all_published, what="the outbox to be empty")
        await bus_idle(run.platform)

    [part] = parts
    assert isinstance(part, NotifierExportPrepared)
    assert (part.request_id, part.user_id, part.service) == ("req-1", AMBASSADOR_ID, "notifier")
    assert part.data["contact"] == {
        "email": AMBASSADOR_EMAIL,
        "first_name": "Zoé",
        "role": "ambassador",
    }
    [line] = part.data["emails"]
    assert (line["template"], line["subject"], line["recipient"], line["status"]) == (
        "account_confirmation",
        "Confirmez votre inscription à Proch'Orientation",
        AMBASSADOR_EMAIL,
        "sent",
    )
    assert line["sent_at"] is not None
    assert "token" not in str(part.data)


async def test_delivery_log_lines_are_purged_once_their_retention_ends(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    # A retention of about a second, and a purge worker looking often.
    config = fast_delivery(log_retention_days=1 / 86_400, log_purge_poll_seconds=0.1)
    settings = make_settings(**smtp_server.settings())
    async with running(settings, {"notifier": notifier(config)}) as run:
        [envelope] = await publish_all(run.platform, [samples.registered()])
        sent = await notifier_db.wait_status(envelope, "sent")

        async def purged() -> bool:
            return await notifier_db.for_event(envelope) == []

        await wait_until(purged, within=10, what="the log line to be purged")
    assert sent["purge_at"] > sent["sent_at"]
    assert len(smtp_server.to(AMBASSADOR_EMAIL)) == 1


async def test_logs_show_neither_links_nor_bodies_nor_addresses(
    make_settings: MakeSettings,
    smtp_server: SmtpServer,
    notifier_db: NotifierDatabase,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    smtp_server.answer_next("451 4.3.0 Try again later")
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        await publish_all(
            run.platform,
            [
                samples.registered(),
                samples.activated(REQUESTER_ID, REQUESTER_EMAIL, "Paul", "staff"),
            ],
        )
        await notifier_db.wait_finished(2)
        await publish_all(run.platform, [samples.relayed()])
        await notifier_db.wait_finished(3)

    ours = [record for record in caplog.records if record.name.startswith(("services.", "shared."))]
    assert ours, "the notifier logs what it does"
    logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in ours)
    for secret in ("secret-confirmation-token", "maquettes", AMBASSADOR_EMAIL, REQUESTER_EMAIL):
        assert secret not in logged


async def test_handed_over_emails_whose_lease_ran_out_are_left_to_the_replica_that_took_them(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    # The handler writes new records already claimed by its process and hands them to
    # the worker in memory. Should they wait there past their lease, another replica
    # may have taken them: the worker must not send them a second time.
    settings = make_settings(**smtp_server.settings())
    config = fast_delivery(lease_seconds=60)
    now = datetime.now(UTC)
    clock = [now]
    store = notifier_db.store
    await ensure_indexes(store.deliveries.database, INDEXES)
    worker = DeliveryWorker(store, SmtpSender(settings, timeout=5), config, clock=lambda: clock[0])
    records = [
        {**delivery_for(address, now), **worker.claim_fields(now)} for _, address in people(3)
    ]
    await store.deliveries.insert_many(records)
    worker.hand_over(records)

    clock[0] = now + timedelta(seconds=61)
    taken = await store.claim_batch(
        now=clock[0], size=10, lease=timedelta(seconds=60), claim="other-replica"
    )
    assert len(taken) == 3

    assert await worker.run_once() == 0
    assert smtp_server.inbox == []
    assert {record["claim"] for record in await notifier_db.deliveries()} == {"other-replica"}
