"""The conversations API as participants, referents and strangers use it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from services.messaging.domain.text import MAX_BODY_CHARS
from shared.http import Territory
from tests.messaging.conftest import Person, Relay

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


async def lea_asks_karim(relay: Relay) -> tuple[Person, Person, dict[str, Any]]:
    """Léa (staff) solicits Karim (ambassador): the two of them and their conversation."""
    lea = relay.person("staff", "Léa", "Martin")
    karim = relay.person("ambassador", "Karim", "Benali")
    await relay.introduce(lea, karim)
    return lea, karim, await relay.solicit(lea, karim)


async def test_solicitation_opens_a_conversation_with_its_message_first(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, "Seriez-vous disponible le 11 mars ?")

        [for_lea] = (await relay.get("/conversations", lea)).body["items"]
        messages = await relay.messages(conversation, karim)

    assert for_lea["id"] == conversation["id"]
    assert conversation["subject"] == (
        "Présentation en classe du jeudi 11 mars 2027 — Collège Jean Moulin"
    )
    names = {p["role"]: p["display_name"] for p in conversation["participants"]}
    assert names == {"requester": "Léa M.", "ambassador": "Karim B."}
    assert conversation["unread"] == 1
    assert for_lea["unread"] == 0
    assert conversation["can_post"] is True
    assert conversation["reply_address"].endswith("@relay.localhost")
    assert conversation["reply_address"] != for_lea["reply_address"]
    [first] = messages
    assert first["kind"] == "solicitation"
    assert first["author"] == {"user_id": lea.user_id, "display_name": "Léa M.", "is_you": False}
    assert first["body"] == "Seriez-vous disponible le 11 mars ?"


async def test_messages_come_newest_page_first_each_page_oldest_first(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, "Message 1")
        for n in range(2, 8):
            await relay.write(conversation, karim if n % 2 else lea, f"Message {n}")

        path = f"/conversations/{conversation['id']}/messages?limit=3"
        first = await relay.get(path, lea)
        second = await relay.get(f"{path}&cursor={first.body['next_cursor']}", lea)
        third = await relay.get(f"{path}&cursor={second.body['next_cursor']}", lea)

    def bodies(answer: object) -> list[str]:
        return [m["body"] for m in answer.body["items"]]  # type: ignore[attr-defined]

    assert bodies(first) == ["Message 5", "Message 6", "Message 7"]
    assert bodies(second) == ["Message 2", "Message 3", "Message 4"]
    assert bodies(third) == ["Message 1"]
    assert third.body["next_cursor"] is None


async def test_unread_counts_grow_with_the_others_messages_and_reading_clears_them(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        await relay.write(conversation, lea, "Avez-vous reçu ma demande ?")
        await relay.write(conversation, karim, "Oui, je regarde mon agenda.")
        path = f"/conversations/{conversation['id']}"

        karim_before = (await relay.get(path, karim)).body["unread"]
        lea_before = (await relay.get(path, lea)).body["unread"]
        await relay.messages(conversation, karim)
        karim_after = (await relay.get(path, karim)).body["unread"]
        lea_still = (await relay.get(path, lea)).body["unread"]

    assert (karim_before, lea_before) == (2, 1)
    assert (karim_after, lea_still) == (0, 1)


async def test_stranger_gets_404_and_zone_referent_reads_but_cannot_write(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        stranger = relay.person("ambassador", "Inès", "Roux")
        nord = relay.person("referent", "Paul", "Leroy", territory=Territory(departments=("59",)))
        lille_est = relay.person(
            "referent", "Anne", "Petit", territory=Territory(bassins=("lille-est",))
        )
        somme = relay.person("referent", "Marc", "Durand", territory=Territory(departments=("80",)))
        await relay.introduce(lea, karim)
        conversation = await relay.solicit(lea, karim, "Bonjour, appelez-moi au 06 12 34 56 78.")
        path = f"/conversations/{conversation['id']}"

        stranger_reads = await relay.get(f"{path}/messages", stranger)
        stranger_writes = await relay.post(f"{path}/messages", stranger, {"body": "Coucou"})
        somme_reads = await relay.get(path, somme)
        nord_reads = await relay.messages(conversation, nord)
        nord_view = await relay.get(path, nord)
        bassin_reads = await relay.get(f"{path}/messages", lille_est)
        nord_writes = await relay.post(f"{path}/messages", nord, {"body": "Je m'invite"})
        territory = await relay.get("/conversations?scope=territory", nord)
        somme_territory = await relay.get("/conversations?scope=territory", somme)
        anonymous = await relay.get("/conversations", None)

    assert stranger_reads.status == stranger_writes.status == somme_reads.status == 404
    assert stranger_reads.error_code == "conversation_not_found"
    assert [m["body"] for m in nord_reads] == ["Bonjour, appelez-moi au [numéro masqué]."]
    assert nord_view.body["unread"] is None
    assert nord_view.body["can_post"] is False
    assert nord_view.body["reply_address"] is None
    assert bassin_reads.status == 200
    assert nord_writes.status == 403
    assert nord_writes.error_code == "conversation_read_only"
    assert [c["id"] for c in territory.body["items"]] == [conversation["id"]]
    assert somme_territory.body["items"] == []
    assert anonymous.status == 401


async def test_message_is_bounded_plain_text(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        path = f"/conversations/{conversation['id']}/messages"

        empty = await relay.post(path, lea, {"body": "  \n\t "})
        too_long = await relay.post(path, lea, {"body": "a" * (MAX_BODY_CHARS + 1)})
        longest = await relay.post(path, lea, {"body": "a" * MAX_BODY_CHARS})
        markup = await relay.post(
            path, lea, {"body": "<b>Bonjour</b>\r\n<script>alert(1)</script>\x07"}
        )
        # A misspelt field is refused, not ignored: « attachment » is no part of a message.
        unknown = await relay.post(path, lea, {"body": "Ci-joint", "attachment": "plan.pdf"})
        read = await relay.messages(conversation, karim)

    assert empty.status == too_long.status == unknown.status == 400
    assert unknown.body["error"]["message"] == "Le champ « attachment » n'est pas attendu."
    assert all(message["body"] != "Ci-joint" for message in read)
    assert empty.body["error"]["message"] == "Le champ « body » est invalide : le message est vide."
    assert "dépasse 5\u202f000 caractères" in too_long.body["error"]["message"]
    assert longest.status == 201
    assert markup.status == 201
    assert read[-1]["body"] == "<b>Bonjour</b>\n<script>alert(1)</script>"


async def test_participant_posting_too_fast_is_told_to_wait(open_relay: OpenRelay) -> None:
    async with open_relay(messages_per_minute=3) as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        path = f"/conversations/{conversation['id']}/messages"
        answers = [await relay.post(path, karim, {"body": f"Message {n}"}) for n in range(4)]
        other = await relay.post(path, lea, {"body": "Je peux encore écrire"})

    assert [a.status for a in answers] == [201, 201, 201, 429]
    limited = answers[-1]
    assert limited.error_code == "too_many_messages"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert other.status == 201


async def test_a_burst_of_posts_sent_at_once_lets_exactly_the_limit_through(
    open_relay: OpenRelay,
) -> None:
    async with open_relay(messages_per_minute=3) as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        path = f"/conversations/{conversation['id']}/messages"
        answers = await asyncio.gather(
            *(relay.post(path, karim, {"body": f"Message {n}"}) for n in range(8))
        )
        read = await relay.messages(conversation, lea)

    assert sorted(a.status for a in answers) == [201] * 3 + [429] * 5
    assert len([m for m in read if m["body"].startswith("Message")]) == 3


async def test_messages_posted_at_once_by_both_sides_are_numbered_and_counted_in_order(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        path = f"/conversations/{conversation['id']}"
        already = len(await relay.messages(conversation, karim))
        answers = await asyncio.gather(
            *(
                relay.post(f"{path}/messages", who, {"body": f"{who.first_name} {n}"})
                for n in range(5)
                for who in (lea, karim)
            )
        )
        seen_by_lea = await relay.get(path, lea)
        seen_by_karim = await relay.get(path, karim)
        read = await relay.messages(conversation, lea)

    assert [a.status for a in answers] == [201] * 10
    # One number each, in a row, whatever batch each post went in.
    assert [m["seq"] for m in read] == list(range(1, already + 11))
    assert sorted(a.body["seq"] for a in answers) == list(range(already + 1, already + 11))
    # Each side has the other's five messages to read.
    assert seen_by_lea.body["unread"] == 5
    assert seen_by_karim.body["unread"] == 5


async def test_closed_conversation_takes_no_more_messages(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        path = f"/conversations/{conversation['id']}"
        closed = await relay.post(f"{path}/close", karim)
        refused = await relay.post(f"{path}/messages", lea, {"body": "Encore une question"})
        still_readable = await relay.messages(conversation, lea)
        seen_by_lea = await relay.get(path, lea)

    assert closed.status == 200
    assert closed.body["status"] == "closed"
    assert closed.body["can_post"] is False
    assert closed.body["closed_at"] is not None
    # The other party sees when it was closed, as the site's banner says.
    assert seen_by_lea.body["closed_at"] == closed.body["closed_at"]
    assert conversation["closed_at"] is None
    assert refused.status == 409
    assert refused.error_code == "conversation_closed"
    assert len(still_readable) == 1


async def test_the_conversation_of_one_appointment_is_found_by_its_parties_and_referent(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea = relay.person("staff", "Léa", "Martin")
        karim = relay.person("ambassador", "Karim", "Benali")
        nord = relay.person("referent", "Paul", "Leroy", territory=Territory(departments=("59",)))
        stranger = relay.person("ambassador", "Inès", "Roux")
        await relay.introduce(lea, karim)
        first = await relay.solicit(lea, karim, appointment_id="rdv-1")
        await relay.solicit(lea, karim, appointment_id="rdv-2")

        for_karim = await relay.get("/conversations?appointment_id=rdv-1", karim)
        for_nord = await relay.get("/conversations?scope=territory&appointment_id=rdv-1", nord)
        for_stranger = await relay.get("/conversations?appointment_id=rdv-1", stranger)
        unknown = await relay.get("/conversations?appointment_id=rdv-3", lea)
        all_of_lea = await relay.get("/conversations", lea)

    assert [c["id"] for c in for_karim.body["items"]] == [first["id"]]
    assert [c["id"] for c in for_nord.body["items"]] == [first["id"]]
    assert for_stranger.body["items"] == unknown.body["items"] == []
    assert len(all_of_lea.body["items"]) == 2
