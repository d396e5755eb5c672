"""What other services tell messaging: an appointment ends or moves, an account goes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import aiosmtplib
import pytest

from shared.contracts.accounts import ExportRequested
from shared.contracts.agenda import (
    AppointmentAccepted,
    AppointmentCancelled,
    AppointmentFacts,
    AppointmentRefused,
    CalendarStamp,
    Establishment,
)
from shared.contracts.messaging import MessagingExportPrepared, MessagingUserErased
from tests.fixtures.rabbit import wait_until
from tests.messaging.conftest import Person, Relay, mail_from

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


def _facts(
    appointment_id: str,
    lea: Person,
    karim: Person,
    starts_at: datetime = datetime(2027, 3, 11, 13, 0, tzinfo=UTC),
) -> AppointmentFacts:
    return AppointmentFacts(
        appointment_id=appointment_id,
        ambassador_id=karim.user_id,
        ambassador_name=karim.short_name,
        requester_id=lea.user_id,
        requester_name=lea.short_name,
        kind="class_presentation",
        format="in_person",
        starts_at=starts_at,
        duration_minutes=45,
        establishment=Establishment(name="Collège Jean Moulin", city="Lille", postcode="59000"),
    )


async def _refused_by_smtp(relay: Relay, sender: str, alias: str) -> int:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as caught:
        await relay.send(mail_from(sender, alias, "Bonjour"), sender=sender, recipients=[alias])
    [error] = caught.value.recipients
    return error.code


async def test_deleted_account_leaves_messages_to_the_other_party_as_former_member(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali", phone="0612345678")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim)
        karim_alias = await relay.reply_address(conversation, karim)
        lea_alias = await relay.reply_address(conversation, lea)
        await relay.write(conversation, karim, "Bonjour, je viens volontiers.")
        await relay.post(f"/conversations/{conversation['id']}/contact-sharing", karim)
        await relay.wait_messages(conversation, lea, 3)
        await relay.relayed(lea, 2)
        # Deleted once the emails in flight are sent (see ``Relay.settle``).
        await relay.settle()

        await relay.delete_account(karim)
        path = f"/conversations/{conversation['id']}"

        async def renamed() -> bool:
            answer = await relay.get(path, lea)
            names = {p["role"]: p["display_name"] for p in answer.body["participants"]}
            return bool(names["ambassador"] == "Ancien membre")

        await wait_until(renamed, what="Karim to become a former member")
        seen_by_lea = await relay.get(path, lea)
        messages = await relay.messages(conversation, lea)
        karim_alias_code = await _refused_by_smtp(relay, karim.email, karim_alias)
        lea_writes = await relay.write(conversation, lea, "Dommage, merci quand même.")
        lea_replies = await relay.send(
            mail_from(lea.email, lea_alias, "Merci pour tout"),
            sender=lea.email,
            recipients=[lea_alias],
        )
        karim_reads = await relay.get(path, karim)
        erased = await relay.received(MessagingUserErased)

    [former] = [p for p in seen_by_lea.body["participants"] if p["role"] == "ambassador"]
    assert former["contact"] is None
    assert [m["author"]["display_name"] for m in messages] == [
        "Léa M.",
        "Ancien membre",
        "Ancien membre",
    ]
    assert messages[1]["body"] == "Bonjour, je viens volontiers."
    assert messages[2]["body"] == "Coordonnées retirées : ce compte a été supprimé."
    assert karim.email not in str(messages)
    assert karim_alias_code == 550
    assert lea_writes.status == 201
    assert lea_replies[0] == 250
    assert karim_reads.status == 404
    assert [(e.user_id, e.service) for e in erased] == [(karim.user_id, "messaging")]  # type: ignore[attr-defined]
    # Nothing more is relayed to the deleted account (only the solicitation, before).
    relayed_to_karim = [m for m in relay.outbox.to(karim.email) if b"\r\nReply-To:" in m.raw]
    assert len(relayed_to_karim) == 1


async def test_conversation_of_two_deleted_accounts_is_erased(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim)
        lea_alias = await relay.reply_address(conversation, lea)
        await relay.settle()
        await relay.delete_account(karim)
        await relay.delete_account(lea)
        collection = relay.run.platform.mongo[relay.settings.database_name("messaging")]

        async def erased() -> bool:
            return bool(await collection["conversations"].count_documents({}) == 0)

        await wait_until(erased, what="the conversation to be erased")
        leftovers = [
            await collection[name].count_documents({})
            for name in ("messages", "relay_aliases", "contacts")
        ]
        code = await _refused_by_smtp(relay, lea.email, lea_alias)

    assert leftovers == [0, 0, 2]  # two tombstones, no personal data
    assert code == 550


async def test_cancelled_appointment_closes_its_conversation_after_the_delay(
    open_relay: OpenRelay,
) -> None:
    async with open_relay(close_after_seconds=0) as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, appointment_id="rdv-1")
        alias = await relay.reply_address(conversation, karim)
        await relay.publish(
            AppointmentCancelled(appointment=_facts("rdv-1", lea, karim), cancelled_by="requester"),
            producer="agenda",
        )
        path = f"/conversations/{conversation['id']}"

        async def closed() -> bool:
            return bool((await relay.get(path, lea)).body["status"] == "closed")

        await wait_until(closed, what="the conversation to close")
        refused = await relay.post(f"{path}/messages", lea, {"body": "Et maintenant ?"})
        code = await _refused_by_smtp(relay, karim.email, alias)

    assert refused.error_code == "conversation_closed"
    assert code == 550


async def test_taken_alternative_slot_keeps_the_same_open_conversation(
    open_relay: OpenRelay,
) -> None:
    async with open_relay(close_after_seconds=0) as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, appointment_id="rdv-1")
        await relay.publish(
            AppointmentRefused(appointment=_facts("rdv-1", lea, karim)), producer="agenda"
        )
        path = f"/conversations/{conversation['id']}"

        async def closed() -> bool:
            return bool((await relay.get(path, lea)).body["status"] == "closed")

        await wait_until(closed, what="the refused appointment's conversation to close")
        await relay.publish(
            AppointmentAccepted(
                appointment=_facts("rdv-2", lea, karim),
                calendar=CalendarStamp(uid="rdv-2@prochorientation", sequence=0),
                taken_from="rdv-1",
            ),
            producer="agenda",
        )

        async def reopened() -> bool:
            body = (await relay.get(path, lea)).body
            return bool(body["appointment_id"] == "rdv-2" and body["status"] == "open")

        await wait_until(reopened, what="the conversation to follow the new appointment")
        answer = await relay.post(f"{path}/messages", lea, {"body": "À jeudi alors !"})

    assert answer.status == 201


async def test_after_a_taken_slot_relayed_messages_name_the_new_date(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, None, appointment_id="rdv-1")
        await relay.publish(
            AppointmentRefused(appointment=_facts("rdv-1", lea, karim)), producer="agenda"
        )
        await relay.publish(
            AppointmentAccepted(
                appointment=_facts(
                    "rdv-2", lea, karim, starts_at=datetime(2027, 3, 18, 9, 0, tzinfo=UTC)
                ),
                calendar=CalendarStamp(uid="rdv-2@prochorientation", sequence=0),
                taken_from="rdv-1",
            ),
            producer="agenda",
        )
        path = f"/conversations/{conversation['id']}"

        async def moved() -> bool:
            return bool((await relay.get(path, lea)).body["appointment_id"] == "rdv-2")

        await wait_until(moved, what="the conversation to follow the new appointment")
        shown = (await relay.get(path, karim)).body
        await relay.write(conversation, lea, "À jeudi 18 alors !")
        [mail] = await relay.relayed(karim, 1)

    new_subject = "Présentation en classe du jeudi 18 mars 2027 — Collège Jean Moulin"
    assert shown["subject"] == new_subject
    assert mail.message["Subject"] == new_subject


async def test_data_export_holds_the_persons_details_conversations_and_messages(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali", phone="0612345678")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, "Bonjour !")
        await relay.write(conversation, karim, "Mon numéro : 06 12 34 56 78")
        await relay.write(conversation, lea, "Merci Karim")
        karim_alias = await relay.reply_address(conversation, karim)
        await relay.publish(
            ExportRequested(request_id="req-1", user_id=karim.user_id, role="ambassador"),
            producer="accounts",
        )
        [part] = await relay.received(MessagingExportPrepared)

    assert isinstance(part, MessagingExportPrepared)
    assert (part.request_id, part.user_id, part.service) == ("req-1", karim.user_id, "messaging")
    assert part.data["contact"]["email"] == karim.email
    [mine] = part.data["conversations"]
    assert mine["id"] == conversation["id"]
    assert mine["reply_address"] == karim_alias
    assert mine["role"] == "ambassador"
    assert mine["with"] == ["Léa M."]
    # What he wrote (as he wrote it) and what he received, in order.
    assert [(m["from"], m["sent"], m["body"]) for m in part.data["messages"]] == [
        ("Léa M.", False, "Bonjour !"),
        ("vous", True, "Mon numéro : 06 12 34 56 78"),
        ("Léa M.", False, "Merci Karim"),
    ]
    # The other party by her public name only.
    assert lea.email not in str(part.data)
    assert "Martin" not in str(part.data)


async def test_conversations_over_for_the_retention_period_are_purged(
    open_relay: OpenRelay,
) -> None:
    # Closed as soon as the appointment ends; purged about a second later.
    async with open_relay(
        close_after_seconds=0, purge_after_days=1 / 86_400, purge_poll_seconds=0.1
    ) as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        ended = await relay.solicit(lea, karim, "Bonjour !", appointment_id="rdv-1")
        going_on = await relay.solicit(lea, karim, "Et une autre fois ?", appointment_id="rdv-2")
        await relay.write(ended, karim, "Avec plaisir.")
        await relay.settle()
        await relay.publish(
            AppointmentCancelled(appointment=_facts("rdv-1", lea, karim), cancelled_by="requester"),
            producer="agenda",
        )
        collection = relay.run.platform.mongo[relay.settings.database_name("messaging")]

        async def purged() -> bool:
            return (await relay.get(f"/conversations/{ended['id']}", lea)).status == 404

        await wait_until(purged, what="the finished conversation to be purged")
        left = {
            name: await collection[name].count_documents({"conversation_id": ended["id"]})
            for name in ("messages", "relay_aliases")
        }
        still = await relay.get(f"/conversations/{going_on['id']}", lea)

    assert left == {"messages": 0, "relay_aliases": 0}
    assert still.status == 200
