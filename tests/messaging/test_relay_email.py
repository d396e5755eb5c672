"""Messages relayed by email over the real broker: masked identity, our own threading."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from tests.messaging.conftest import Relay

pytestmark = pytest.mark.broker

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]

# Every header a relayed email may carry: built by us, never copied from a mail we got.
ALLOWED_HEADERS = {
    "from",
    "reply-to",
    "to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "content-language",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
}


async def test_messages_reach_the_other_inbox_masked_and_threaded_through_rabbitmq(
    open_relay: OpenRelay, amqp_url: str
) -> None:
    async with open_relay(amqp_url=amqp_url) as relay:
        lea = relay.person("staff", "Léa", "Martin", "lea.martin@college-jean-moulin.fr")
        karim = relay.person("ambassador", "Karim", "Benali", "karim.benali@exemple.fr")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, "Bonjour Karim, seriez-vous disponible ?")
        await relay.write(conversation, lea, "Je précise : 28 élèves de 3e.")
        await relay.write(conversation, lea, "Et la salle a un vidéoprojecteur.")
        mails = await relay.relayed(karim, 3)
        karim_alias = await relay.reply_address(conversation, karim)

    first, second, third = (mail.message for mail in mails)
    [sender] = first["From"].addresses
    assert sender.display_name == "Léa M. via Proch'Orientation"
    assert sender.addr_spec == karim_alias  # a reply goes back into the conversation
    assert first["Reply-To"].addresses[0].addr_spec == karim_alias
    assert first["Subject"] == conversation["subject"]
    assert second["Subject"] == f"Re: {conversation['subject']}"
    ids = [m["Message-ID"] for m in (first, second, third)]
    assert all(i.endswith("@relay.localhost>") for i in ids)
    assert len(set(ids)) == 3
    assert first["In-Reply-To"] is None
    assert second["In-Reply-To"] == ids[0]
    assert third["In-Reply-To"] == ids[1]
    assert third["References"].split() == ids[:2]
    for mail in mails:
        assert {name.lower() for name in mail.message} <= ALLOWED_HEADERS
        # The envelope sender is the platform's bounce address, never a participant's.
        assert mail.mail_from == "bounces@prochorientation.localhost"
        for leak in (b"lea.martin", b"college-jean-moulin", b"Martin"):
            assert leak not in mail.raw, leak
