"""Messaging's own metrics: messages relayed by email and replies received by SMTP."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from tests.messaging.conftest import CORPUS_SENDER, Relay, corpus_mail
from tests.metrics.scrape import Scrape, scrape

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


async def test_a_posted_message_and_a_reply_by_email_are_counted(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        page = relay.run.url("/api/messaging/metrics")
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali", CORPUS_SENDER)
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, message=None)
        alias = await relay.reply_address(conversation, karim)
        before = await scrape(relay.run.http, page)

        await relay.write(conversation, lea, "Bonjour Karim, êtes-vous disponible jeudi ?")
        await relay.relayed(karim, 1)
        code, _ = await relay.send(
            corpus_mail("gmail_fr.eml", alias.partition("@")[0]),
            sender=CORPUS_SENDER,
            recipients=[alias],
        )
        await relay.send(
            corpus_mail("auto_reply.eml", alias.partition("@")[0]),
            sender=CORPUS_SENDER,
            recipients=[alias],
        )
        await relay.relayed(lea, 1)
        after = await scrape(relay.run.http, page)

    assert code == 250
    relayed = "po_messaging_relayed_total"
    assert grew(before, after, relayed, source="platform") == 1
    assert grew(before, after, relayed, source="email") == 1
    inbound = "po_messaging_inbound_total"
    assert grew(before, after, inbound, outcome="posted") == 1
    assert grew(before, after, inbound, outcome="dropped") == 1
    assert after.services() == {"messaging"}


def grew(before: Scrape, after: Scrape, name: str, **labels: str) -> float:
    return after.value(name, **labels) - before.value(name, **labels)
