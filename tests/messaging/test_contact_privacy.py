"""Contact details stay private until their owner shares them, in one conversation."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from services.messaging.domain.masking import SHARING_HINT
from shared.http import Territory
from tests.messaging.conftest import Relay

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]

WITH_DETAILS = (
    "Appelez-moi au 06 12 34 56 78 ou au +33 6 12 34 56 78, "
    "ou écrivez à lea.martin@college-jean-moulin.fr."
)
MASKED = (
    "Appelez-moi au [numéro masqué] ou au [numéro masqué], ou écrivez à [adresse e-mail masquée]."
)


async def test_details_in_a_message_are_masked_for_the_other_party_and_the_writer_is_told(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim)

        posted = await relay.write(conversation, lea, WITH_DETAILS)
        plain = await relay.write(conversation, lea, "Merci d'avance !")
        karim_reads = await relay.messages(conversation, karim)
        lea_reads = await relay.messages(conversation, lea)
        [_, mail, _] = await relay.relayed(karim, 3)

    assert posted.body["masked"] is True
    assert posted.body["notice"] == SHARING_HINT
    assert posted.body["body"] == WITH_DETAILS  # the writer sees what they wrote
    assert plain.body["notice"] is None
    assert karim_reads[1]["body"] == MASKED
    assert lea_reads[1]["body"] == WITH_DETAILS
    assert MASKED in mail.text()
    for secret in (b"06 12 34 56 78", b"+33 6 12", b"lea.martin@college", b"Martin"):
        assert secret not in mail.raw


async def test_sharing_reveals_name_email_and_phone_in_that_conversation_only(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin", phone="+33612345678")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        shared_here = await relay.solicit(lea, karim)
        not_there = await relay.solicit(lea, karim)

        before = await relay.write(shared_here, lea, "Mon portable : 06 12 34 56 78")
        sharing = await relay.post(f"/conversations/{shared_here['id']}/contact-sharing", lea)
        again = await relay.post(f"/conversations/{shared_here['id']}/contact-sharing", lea)
        after = await relay.write(shared_here, lea, "Mon portable : 06 12 34 56 78")
        elsewhere = await relay.write(not_there, lea, "Mon portable : 06 12 34 56 78")

        karim_here = await relay.get(f"/conversations/{shared_here['id']}", karim)
        karim_there = await relay.get(f"/conversations/{not_there['id']}", karim)
        karim_reads = await relay.messages(shared_here, karim)
        mails = await relay.relayed(karim, 6)

    assert before.body["masked"] is True
    assert sharing.status == again.status == 200
    assert after.body["masked"] is False
    assert after.body["notice"] is None
    assert elsewhere.body["masked"] is True
    [lea_here] = [p for p in karim_here.body["participants"] if p["user_id"] == lea.user_id]
    assert lea_here["contact"]["name"] == "Léa Martin"
    assert lea_here["contact"]["email"] == lea.email
    assert lea_here["contact"]["phone"] == "06 12 34 56 78"
    [lea_there] = [p for p in karim_there.body["participants"] if p["user_id"] == lea.user_id]
    assert lea_there["contact"] is None
    assert lea_there["has_shared_contact"] is False
    assert [m["body"] for m in karim_reads[1:]] == [
        "Mon portable : [numéro masqué]",
        f"Léa Martin vous communique ses coordonnées :\nE-mail : {lea.email}\n"
        "Téléphone : 06 12 34 56 78",
        "Mon portable : 06 12 34 56 78",
    ]
    # Shared once: one message about it, however many times the button is pressed.
    assert sum("vous communique ses coordonnées" in mail.text() for mail in mails) == 1
    after_mail = next(m for m in mails if "Mon portable : 06 12 34 56 78" in m.text())
    assert "Léa Martin via Proch'Orientation" in str(after_mail.message["From"])
    masked_mails = [m for m in mails if "Mon portable : [numéro masqué]" in m.text()]
    assert len(masked_mails) == 2  # before sharing, and in the other conversation


async def test_sharing_before_accounts_sent_the_details_is_refused_politely(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(karim)
        conversation = await relay.solicit(lea, karim, message=None)
        sharing = await relay.post(f"/conversations/{conversation['id']}/contact-sharing", lea)
        after = await relay.get(f"/conversations/{conversation['id']}", karim)

    assert sharing.status == 409
    assert sharing.error_code == "contact_unknown"
    assert all(p["contact"] is None for p in after.body["participants"])


async def test_before_sharing_one_sees_exactly_what_the_other_party_will_read(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin", phone="+33612345678")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, message=None)
        path = f"/conversations/{conversation['id']}/contact-sharing"
        preview = await relay.get(path, lea)
        karim_before = await relay.get(f"/conversations/{conversation['id']}", karim)
        await relay.post(path, lea)
        [received] = await relay.messages(conversation, karim)
        afterwards = await relay.get(path, lea)
        stranger = relay.person("staff", "Inès", "Durand")
        hidden = await relay.get(path, stranger)

    assert preview.status == 200, preview.body
    assert preview.body == {
        "name": "Léa Martin",
        "email": lea.email,
        "phone": "06 12 34 56 78",
        "message": received["body"],
        "already_shared": False,
    }
    # Looking changes nothing for the other party.
    assert all(p["contact"] is None for p in karim_before.body["participants"])
    assert afterwards.body["already_shared"] is True
    assert hidden.status == 404


async def test_a_referent_reading_along_sees_that_details_were_shared_not_what_they_are(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin", phone="+33612345678")
        karim = relay.person("ambassador", "Karim", "Benali")
        nord = relay.person("referent", "Paul", "Leroy", territory=Territory(departments=("59",)))
        await relay.introduce(lea, karim, nord)
        conversation = await relay.solicit(lea, karim, message=None)
        await relay.post(f"/conversations/{conversation['id']}/contact-sharing", lea)
        await relay.write(conversation, lea, "Mon portable : 06 12 34 56 78")
        karim_reads = await relay.messages(conversation, karim)
        referent_reads = await relay.messages(conversation, nord)
        referent_follows = await relay.get(
            f"/conversations/{conversation['id']}/messages?after=0", nord
        )

    # Karim, the other participant, reads the details; the referent reads neither them
    # nor the phone number written after sharing, in a page or by following along.
    assert lea.email in karim_reads[0]["body"]
    assert karim_reads[1]["body"] == "Mon portable : 06 12 34 56 78"
    expected = [
        "Léa M. a communiqué ses coordonnées aux autres participants de la conversation.",
        "Mon portable : [numéro masqué]",
    ]
    assert [m["body"] for m in referent_reads] == expected
    assert [m["body"] for m in referent_follows.body["items"]] == expected
    assert all(m["masked"] for m in referent_reads)
