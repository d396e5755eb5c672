"""A referent reading conversations of their zone is reported for the audit log.

Accounts keeps the log; messaging tells it, through ``messaging.personal_data.read``,
whose conversation each answer showed to a referent who does not take part in it.
Participants reading their own conversations are not reported, nor participants
already erased.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from shared.contracts.messaging import MessagingPersonalDataRead, MessagingUserErased
from shared.http import Territory
from tests.messaging.conftest import Relay

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


def _reads(relay: Relay) -> list[tuple[str, str, list[str]]]:
    return [
        (read.actor_id, read.action, read.user_ids)
        for read in relay.collected
        if isinstance(read, MessagingPersonalDataRead)
    ]


async def test_a_zone_referent_reading_a_conversation_is_reported_a_participant_is_not(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        ines = relay.person("ambassador", "Inès", "Roux")
        nord = relay.person("referent", "Paul", "Leroy", territory=Territory(departments=("59",)))
        somme = relay.person("referent", "Marc", "Durand", territory=Territory(departments=("80",)))
        await relay.introduce(lea, karim, ines, nord)
        theirs = await relay.solicit(lea, karim, "Bonjour, êtes-vous disponible ?")
        his_own = await relay.solicit(nord, ines, "Bonjour Inès !")  # the referent asks
        path = f"/conversations/{theirs['id']}"

        # Participants, and a referent outside the zone (refused): nothing to report.
        await relay.get("/conversations", lea)
        await relay.get(path, lea)
        await relay.messages(theirs, karim)
        refused = await relay.get(path, somme)
        await relay.get("/conversations", nord)
        await relay.get(f"/conversations/{his_own['id']}", nord)
        await relay.messages(his_own, nord)
        # The referent of the zone reads along.
        territory = await relay.get("/conversations?scope=territory", nord)
        seen = await relay.get(path, nord)
        read = await relay.messages(theirs, nord)
        await relay.settle()

    assert refused.status == 404
    assert [c["id"] for c in territory.body["items"]] == [his_own["id"], theirs["id"]]
    assert seen.status == 200
    assert [m["body"] for m in read] == ["Bonjour, êtes-vous disponible ?"]
    both = [lea.user_id, karim.user_id]
    assert _reads(relay) == [
        (nord.user_id, "conversations_listed", both),  # not for his own conversation
        (nord.user_id, "conversation_read", both),
        (nord.user_id, "conversation_messages_read", both),
    ]
    [first, *_] = [e for e in relay.collected if isinstance(e, MessagingPersonalDataRead)]
    assert (first.actor_role, first.service) == ("referent", "messaging")


async def test_a_participant_already_erased_is_not_named(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        nord = relay.person("referent", "Paul", "Leroy", territory=Territory(departments=("59",)))
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim)
        # Deleted once the emails in flight are sent (see ``Relay.settle``).
        await relay.settle()
        await relay.delete_account(karim)
        await relay.received(MessagingUserErased)
        seen = await relay.get(f"/conversations/{conversation['id']}", nord)
        await relay.settle()

    assert seen.status == 200
    assert _reads(relay) == [(nord.user_id, "conversation_read", [lea.user_id])]
