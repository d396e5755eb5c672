"""Replies by email: real SMTP to the relay's endpoint, real relayed emails out."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import aiosmtplib
import pytest

from tests.messaging.conftest import CORPUS_SENDER, Person, Relay, corpus_mail, mail_from

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


async def _story(relay: Relay) -> tuple[Person, Person, dict[str, Any], str]:
    lea = relay.person("staff", "Léa", "Martin")
    karim = relay.person("ambassador", "Karim", "Benali", CORPUS_SENDER, phone="0612345678")
    await relay.introduce(lea, karim)
    conversation = await relay.solicit(lea, karim)
    return lea, karim, conversation, await relay.reply_address(conversation, karim)


async def test_reply_from_the_inbox_is_posted_and_relayed_masked(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, karim, conversation, alias = await _story(relay)
        [invitation] = await relay.relayed(karim, 1)
        code, text = await relay.send(
            corpus_mail("gmail_fr.eml", alias.partition("@")[0]),
            sender=CORPUS_SENDER,
            recipients=[alias],
        )
        messages = await relay.wait_messages(conversation, lea, 2)
        [reply] = await relay.relayed(lea, 1)

    assert (code, text) == (250, "2.0.0 Message transmis dans la conversation")
    assert str(invitation.message["Reply-To"]).endswith(f"<{alias}>")
    posted = messages[-1]
    assert posted["source"] == "email"
    assert posted["author"]["display_name"] == "Karim B."
    assert posted["body"].startswith("Bonjour Léa,\n\nAvec plaisir !")
    assert posted["body"].endswith("combien d'élèves seront présents ?")
    # Threading: the reply answers the email Karim got, with our Message-IDs only.
    assert reply.message["In-Reply-To"] == invitation.message["Message-ID"]
    assert invitation.message["Message-ID"] in reply.message["References"]
    assert reply.message["Message-ID"].endswith("@relay.localhost>")
    raw = reply.raw
    for leak in (
        CORPUS_SENDER.encode(),
        b"Benali",
        b"06 12 34 56 78",
        b"mail.gmail.com",
        b"X-Gm-",
        b"DKIM",
        b"mail-wr1",
    ):
        assert leak not in raw, leak


async def test_an_alias_of_the_old_random_form_still_routes_a_reply(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea, karim, conversation, alias = await _story(relay)
        assert re.fullmatch(r"[a-z]+(_[a-z]+){4}[0-9]{1,3}@relay\.localhost", alias), alias
        # Karim's alias as a conversation opened before aliases were words has it.
        old = "k3v7qzq2mbxw4nle6rt5ya2h"
        db = relay.run.platform.mongo[relay.settings.database_name("messaging")]
        record = await db["relay_aliases"].find_one({"_id": alias.partition("@")[0]})
        assert record is not None
        await db["relay_aliases"].insert_one({**record, "_id": old})
        await db["relay_aliases"].delete_one({"_id": record["_id"]})
        await db["conversations"].update_one(
            {"_id": conversation["id"], "participants.user_id": karim.user_id},
            {"$set": {"participants.$.alias": old}},
        )
        old_address = f"{old}@{relay.relay_domain}"
        assert await relay.reply_address(conversation, karim) == old_address
        code, text = await relay.send(
            mail_from(CORPUS_SENDER, old_address.upper(), "Toujours d'accord pour jeudi."),
            sender=CORPUS_SENDER,
            recipients=[old_address.upper()],
        )
        messages = await relay.wait_messages(conversation, lea, 2)

    assert (code, text) == (250, "2.0.0 Message transmis dans la conversation")
    assert messages[-1]["body"] == "Toujours d'accord pour jeudi."


@pytest.mark.parametrize(
    ("corpus", "expected"),
    [
        (
            "outlook_fr.eml",
            "Bonjour,\n\nC'est noté pour jeudi 12 mars. Je joins le plan d'accès de l'atelier "
            "pour une prochaine visite de la classe.",
        ),
        (
            "thunderbird_en.eml",
            "Hello Léa,\n\nThursday works for me. I will bring a few samples of our parts so "
            "that the pupils can hold them, and a short video of the workshop.",
        ),
        ("apple_mail_fr.eml", "Parfait, merci ! À jeudi."),
        (
            "outlook_web_fr.eml",
            "Bonjour,\n\nOui, c'est parfait pour le jeudi 12 mars. Je viendrai avec deux "
            "apprentis de l'atelier.",
        ),
        ("android_samsung_fr.eml", "Oui, jeudi 14 h me va."),
        (
            "html_only.eml",
            "Bonjour,\n\nJe confirme ma venue le jeudi 12 mars. Pour les détails pratiques, "
            "écrivez-moi plutôt sur [adresse e-mail masquée] ou au [numéro masqué].\n"
            "- Salle : atelier B\n- Durée : 45 min\nNotre site",
        ),
    ],
)
async def test_each_mail_program_reply_posts_only_the_new_words(
    open_relay: OpenRelay, corpus: str, expected: str
) -> None:
    async with open_relay() as relay:
        lea, _, conversation, alias = await _story(relay)
        await relay.send(
            corpus_mail(corpus, alias.partition("@")[0]), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)
        [mail] = await relay.relayed(lea, 1)

    assert messages[-1]["body"] == expected
    assert expected in mail.text().replace("\r\n", "\n")
    assert b"plan-acces-atelier.pdf" not in mail.raw  # attachments stay behind
    assert b"<script>" not in mail.raw


@pytest.mark.parametrize("corpus", ["auto_reply.eml", "bounce.eml"])
async def test_automatic_mails_are_accepted_but_never_relayed(
    open_relay: OpenRelay, corpus: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_relay() as relay:
        lea, _, conversation, alias = await _story(relay)
        sender = "" if corpus == "bounce.eml" else CORPUS_SENDER
        with caplog.at_level(logging.INFO, logger="services.messaging.inbound"):
            code, text = await relay.send(
                corpus_mail(corpus, alias.partition("@")[0]), sender=sender, recipients=[alias]
            )
        # A sentinel reply after it: once it is in, the automatic mail would be too.
        await relay.send(
            mail_from(CORPUS_SENDER, alias, "Sentinelle"), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)

    assert (code, text) == (250, "2.0.0 Message recu")
    assert [m["body"] for m in messages[1:]] == ["Sentinelle"]
    assert "inbound mail dropped: automatic" in caplog.text


async def test_mail_from_anyone_but_the_alias_owner_is_dropped_without_bounce(
    open_relay: OpenRelay, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_relay() as relay:
        lea, _, conversation, alias = await _story(relay)
        forged_from_header = mail_from(
            CORPUS_SENDER, alias, "Usurpation 1", from_header="intrus@exemple.org"
        )
        with caplog.at_level(logging.INFO, logger="services.messaging.inbound"):
            answers = [
                await relay.send(
                    mail_from("intrus@exemple.org", alias, "Usurpation 0"),
                    sender="intrus@exemple.org",
                    recipients=[alias],
                ),
                await relay.send(forged_from_header, sender=CORPUS_SENDER, recipients=[alias]),
                await relay.send(
                    mail_from(CORPUS_SENDER, alias, "Usurpation 2"),
                    sender="intrus@exemple.org",
                    recipients=[alias],
                ),
            ]
        await relay.send(
            mail_from(CORPUS_SENDER, alias, "Sentinelle"), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)

    assert answers == [(250, "2.0.0 Message recu")] * 3
    assert [m["body"] for m in messages[1:]] == ["Sentinelle"]
    assert caplog.text.count("not sent by the alias owner") == 3
    assert "intrus@exemple.org" not in caplog.text
    assert CORPUS_SENDER not in caplog.text


async def test_unknown_alias_and_foreign_domain_are_refused_at_rcpt(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        await _story(relay)
        refused = []
        for recipient in (
            "abcdefghijklmnopqrstuvwx@relay.localhost",
            "not-an-alias@relay.localhost",
            "someone@exemple.org",
        ):
            with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as caught:
                await relay.send(
                    mail_from(CORPUS_SENDER, recipient, "Bonjour"),
                    sender=CORPUS_SENDER,
                    recipients=[recipient],
                )
            [error] = caught.value.recipients
            refused.append((error.code, error.message.split(" ", 1)[0]))

    assert refused == [(550, "5.1.1"), (550, "5.1.1"), (550, "5.7.1")]


async def test_alias_of_a_closed_conversation_is_refused(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        _, karim, conversation, alias = await _story(relay)
        await relay.post(f"/conversations/{conversation['id']}/close", karim)
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as caught:
            await relay.send(
                mail_from(CORPUS_SENDER, alias, "Trop tard"),
                sender=CORPUS_SENDER,
                recipients=[alias],
            )

    [error] = caught.value.recipients
    assert error.code == 550
    assert "close" in error.message


async def test_mail_over_the_size_limit_is_refused_during_the_smtp_dialogue(
    open_relay: OpenRelay,
) -> None:
    async with open_relay(inbound_max_bytes=20_000) as relay:
        lea, _, conversation, alias = await _story(relay)
        big = mail_from(CORPUS_SENDER, alias, "Pièce jointe énorme\n" + "x" * 30_000)
        with pytest.raises(aiosmtplib.SMTPSenderRefused) as declared:
            await relay.send(big, sender=CORPUS_SENDER, recipients=[alias])
        undeclared = await relay.send(
            big, sender=CORPUS_SENDER, recipients=[alias], size_option=False
        )
        await relay.send(
            mail_from(CORPUS_SENDER, alias, "Sentinelle"), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 2)

    assert declared.value.code == 552
    assert undeclared[0] == 552
    assert [m["body"] for m in messages[1:]] == ["Sentinelle"]


async def test_same_mail_delivered_twice_is_posted_once(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, _, conversation, alias = await _story(relay)
        once = mail_from(CORPUS_SENDER, alias, "Une seule fois")
        first = await relay.send(once, sender=CORPUS_SENDER, recipients=[alias])
        second = await relay.send(once, sender=CORPUS_SENDER, recipients=[alias])
        await relay.send(
            mail_from(CORPUS_SENDER, alias, "Sentinelle"), sender=CORPUS_SENDER, recipients=[alias]
        )
        messages = await relay.wait_messages(conversation, lea, 3)

    assert first[1] == "2.0.0 Message transmis dans la conversation"
    assert second[1] == "2.0.0 Message deja transmis"
    assert [m["body"] for m in messages[1:]] == ["Une seule fois", "Sentinelle"]


async def test_replies_by_email_count_in_the_rate_limit_and_are_deferred(
    open_relay: OpenRelay,
) -> None:
    async with open_relay(messages_per_minute=2) as relay:
        _, _, _, alias = await _story(relay)
        answers = []
        for n in range(3):
            try:
                answers.append(
                    (
                        await relay.send(
                            mail_from(CORPUS_SENDER, alias, f"Réponse {n}"),
                            sender=CORPUS_SENDER,
                            recipients=[alias],
                        )
                    )[0]
                )
            except aiosmtplib.SMTPDataError as deferred:
                answers.append(deferred.code)

    assert answers == [250, 250, 451]


async def test_endpoint_listens_with_the_service_and_stops_with_it(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        port = relay.smtp_port
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=5)
        await client.connect()
        code, _ = await client.ehlo()
        await client.quit()

    assert code == 250
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)


async def test_a_signature_without_separator_never_reaches_the_other_side(
    open_relay: OpenRelay,
) -> None:
    signed = (
        "Bonjour Léa,\n\nJe confirme pour jeudi, j'apporterai des gaines et des disjoncteurs."
        "\n\nÉlise Vasseur / Électricienne — Entreprise Dubois Électricité\n"
        "Port. : 06 98 76 54 32\n4 bis rue des Lilas, 59000 Lille"
    )
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        elise = relay.person(
            "ambassador", "Élise", "Vasseur", "elise.vasseur@exemple.fr", phone="0698765432"
        )
        await relay.introduce(lea, elise)
        conversation = await relay.solicit(lea, elise)
        alias = await relay.reply_address(conversation, elise)
        for body in (signed, "06 98 76 54 32 : appelez-moi plutôt à ce numéro.\nÉlise", ""):
            await relay.send(
                mail_from(elise.email, alias, body or "Oui, jeudi 14 h me va."),
                sender=elise.email,
                recipients=[alias],
            )
        messages = await relay.wait_messages(conversation, lea, 4)
        mails = await relay.relayed(lea, 3)

    assert [m["body"] for m in messages[1:]] == [
        "Bonjour Léa,\n\nJe confirme pour jeudi, j'apporterai des gaines et des disjoncteurs.",
        "[numéro masqué] : appelez-moi plutôt à ce numéro.",
        "Oui, jeudi 14 h me va.",
    ]
    for mail in mails:
        text = mail.text()
        for leak in ("Vasseur", "Dubois", "Électricienne", "Lilas", "06 98 76 54 32"):
            assert leak not in text, leak
        assert b"Vasseur" not in mail.raw
