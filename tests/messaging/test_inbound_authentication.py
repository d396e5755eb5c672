"""Replies by email checked against the verdict of the mail server in front of the relay.

Real SMTP deliveries to the relay's endpoint, each carrying the
``Authentication-Results`` header the operator's server (Postfix with OpenDMARC,
rspamd…) would have prepended, under its own name or under another one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest

from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import ReceivedMail
from tests.messaging.conftest import CORPUS_SENDER, Person, Relay, mail_from

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]
TRUSTED = "mx.prochorientation.test"
HELD_SUBJECT = "Un message à votre nom a été retenu"
PASS = (
    f"{TRUSTED}; spf=pass smtp.mailfrom=exemple.fr; dkim=pass (2048-bit key) "
    "header.d=exemple.fr header.s=20230601; dmarc=pass (p=QUARANTINE) header.from=exemple.fr"
)
DMARC_FAIL = (
    f"{TRUSTED}; spf=fail (domain does not designate 203.0.113.9) smtp.mailfrom=exemple.fr; "
    "dkim=none (message not signed); dmarc=fail (p=REJECT dis=NONE) header.from=exemple.fr"
)


async def _story(relay: Relay) -> tuple[Person, Person, dict[str, Any], str]:
    lea = relay.person("staff", "Léa", "Martin")
    karim = relay.person("ambassador", "Karim", "Benali", CORPUS_SENDER)
    await relay.introduce(lea, karim)
    conversation = await relay.solicit(lea, karim)
    return lea, karim, conversation, await relay.reply_address(conversation, karim)


def _checked(alias: str, body: str, *results: str) -> bytes:
    """A reply as the trusted server hands it on: its results prepended on top."""
    added = b"".join(f"Authentication-Results: {value}\r\n".encode() for value in results)
    return added + mail_from(CORPUS_SENDER, alias, body)


def _notices(relay: Relay, person: Person) -> list[ReceivedMail]:
    return [m for m in relay.outbox.to(person.email) if m.message["Subject"] == HELD_SUBJECT]


async def test_a_reply_that_passes_dmarc_is_posted(open_relay: OpenRelay) -> None:
    async with open_relay(trusted_authserv_id=TRUSTED) as relay:
        lea, karim, conversation, alias = await _story(relay)
        code, text = await relay.send(
            _checked(alias, "Authentifié", PASS), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)
        await relay.settle()

    assert (code, text) == (250, "2.0.0 Message transmis dans la conversation")
    assert [m["body"] for m in messages[1:]] == ["Authentifié"]
    assert _notices(relay, karim) == []


async def test_a_reply_failing_dmarc_is_held_and_the_real_participant_told_once(
    open_relay: OpenRelay, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_relay(trusted_authserv_id=TRUSTED) as relay:
        lea, karim, conversation, alias = await _story(relay)
        with caplog.at_level(logging.INFO, logger="services.messaging.inbound"):
            answers = [
                await relay.send(
                    _checked(alias, f"Usurpation {n}", DMARC_FAIL),
                    sender=CORPUS_SENDER,
                    recipients=[alias],
                )
                for n in range(2)
            ]
        await relay.send(
            _checked(alias, "Sentinelle", PASS), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)
        await relay.relayed(lea, 1)
        await wait_until(lambda: bool(_notices(relay, karim)), within=20, what="the notice")
        await relay.settle()

    assert answers == [(250, "2.0.0 Message recu")] * 2
    assert [m["body"] for m in messages[1:]] == ["Sentinelle"]
    assert caplog.text.count("inbound mail held: sender not authenticated") == 2
    [notice] = _notices(relay, karim)  # one a day, however many forged mails
    text = " ".join(notice.text().split())
    assert text.startswith("Bonjour Karim,")
    assert "un e-mail qui se présente comme venant de votre adresse" in text
    assert "il n'a pas été transmis à votre interlocuteur" in text
    assert f"/messagerie/{conversation['id']}" in text
    assert "Usurpation" not in text
    assert not [m for m in relay.outbox.to(lea.email) if b"Usurpation" in m.raw]


async def test_results_written_under_another_server_name_are_ignored(
    open_relay: OpenRelay,
) -> None:
    forged = (
        "mx.attaquant.example; spf=pass smtp.mailfrom=exemple.fr; "
        "dkim=pass header.d=exemple.fr; dmarc=pass header.from=exemple.fr"
    )
    async with open_relay(trusted_authserv_id=TRUSTED) as relay:
        lea, karim, conversation, alias = await _story(relay)
        answers = [
            # Only a forged verdict: nothing from the trusted server at all.
            await relay.send(
                _checked(alias, "Usurpation 0", forged), sender=CORPUS_SENDER, recipients=[alias]
            ),
            # The trusted server's failure, under the forged pass.
            await relay.send(
                _checked(alias, "Usurpation 1", DMARC_FAIL, forged),
                sender=CORPUS_SENDER,
                recipients=[alias],
            ),
            # A pass forged under the trusted name does not hide its real failure.
            await relay.send(
                _checked(alias, "Usurpation 2", DMARC_FAIL, PASS),
                sender=CORPUS_SENDER,
                recipients=[alias],
            ),
        ]
        await relay.send(
            _checked(alias, "Sentinelle", forged, PASS), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)
        await wait_until(lambda: bool(_notices(relay, karim)), within=20, what="the notice")
        await relay.settle()

    assert answers == [(250, "2.0.0 Message recu")] * 3
    assert [m["body"] for m in messages[1:]] == ["Sentinelle"]


async def test_without_a_trusted_server_replies_are_posted_as_before(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea, karim, conversation, alias = await _story(relay)
        for body, results in (("Sans en-tête", ()), ("Échec ignoré", (DMARC_FAIL,))):
            await relay.send(
                _checked(alias, body, *results), sender=CORPUS_SENDER, recipients=[alias]
            )
        messages = await relay.wait_messages(conversation, lea, 3)
        await relay.settle()

    assert [m["body"] for m in messages[1:]] == ["Sans en-tête", "Échec ignoré"]
    assert _notices(relay, karim) == []
