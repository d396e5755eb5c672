"""Following an open conversation: the messages after the last one shown, and waiting
for the next one (long polling), as the site's conversation page does."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import aiohttp

from shared.http import Territory
from tests.messaging.conftest import Relay
from tests.messaging.test_conversations_api import lea_asks_karim

OpenRelay = Callable[..., AbstractAsyncContextManager[Relay]]


async def test_after_gives_only_the_newer_messages_oldest_first(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        for n in range(2, 6):
            await relay.write(conversation, karim if n % 2 else lea, f"Message {n}")
        path = f"/conversations/{conversation['id']}/messages"
        newer = await relay.get(f"{path}?after=2", lea)
        capped = await relay.get(f"{path}?after=0&limit=2", lea)
        nothing = await relay.get(f"{path}?after=5", lea)

    assert newer.status == 200, newer.body
    assert [(m["seq"], m["body"]) for m in newer.body["items"]] == [
        (3, "Message 3"),
        (4, "Message 4"),
        (5, "Message 5"),
    ]
    assert newer.body["next_cursor"] is None
    assert [m["seq"] for m in capped.body["items"]] == [1, 2]
    assert nothing.body["items"] == []


async def test_a_waiting_reader_gets_the_message_as_soon_as_it_is_written(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        path = f"/conversations/{conversation['id']}/messages?after=1&wait=20"
        waiting = asyncio.create_task(relay.get(path, lea))
        await asyncio.sleep(0.3)  # the reader is waiting (nothing to wait on: it is idle)
        assert not waiting.done()
        sent = time.perf_counter()
        await relay.write(conversation, karim, "Je serai là à 10 h.")
        answer = await waiting
        delay = time.perf_counter() - sent
        seen = await relay.get(f"/conversations/{conversation['id']}", lea)

    assert answer.status == 200, answer.body
    [message] = answer.body["items"]
    assert (message["seq"], message["body"]) == (2, "Je serai là à 10 h.")
    assert message["author"]["display_name"] == "Karim B."
    assert delay < 10  # woken by the post, long before the wait is over
    # Shown to her on the open page: read.
    assert seen.body["unread"] == 0


async def test_a_wait_with_nothing_new_ends_with_an_empty_list(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, _, conversation = await lea_asks_karim(relay)
        started = time.perf_counter()
        answer = await relay.get(
            f"/conversations/{conversation['id']}/messages?after=1&wait=0.5", lea
        )
        waited = time.perf_counter() - started

    assert answer.status == 200, answer.body
    assert answer.body["items"] == []
    assert waited >= 0.5


async def test_a_message_written_elsewhere_wakes_the_reader_at_the_next_check(
    open_relay: OpenRelay,
) -> None:
    # Another replica's message is not signalled in this process: the periodic check of
    # the waited conversations finds it.
    async with open_relay(wait_recheck_seconds=0.2) as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        database = relay.run.platform.mongo[relay.settings.database_name("messaging")]
        path = f"/conversations/{conversation['id']}/messages?after=1&wait=20"
        waiting = asyncio.create_task(relay.get(path, lea))
        await asyncio.sleep(0.3)
        # As the other process leaves it: the message written, the number moved on.
        await database["messages"].insert_one(
            {
                "_id": uuid.uuid4().hex,
                "conversation_id": conversation["id"],
                "seq": 2,
                "author_id": karim.user_id,
                "kind": "message",
                "source": "platform",
                "body": "Écrit ailleurs",
                "mail_message_id": f"{uuid.uuid4().hex}@relay.localhost",
                "created_at": datetime.now(UTC),
            }
        )
        await database["conversations"].update_one(
            {"_id": conversation["id"]}, {"$set": {"seq": 2}}
        )
        answer = await asyncio.wait_for(waiting, timeout=10)

    assert [m["body"] for m in answer.body["items"]] == ["Écrit ailleurs"]


async def test_following_is_for_those_who_may_read(open_relay: OpenRelay) -> None:
    async with open_relay() as relay:
        lea, karim, conversation = await lea_asks_karim(relay)
        stranger = relay.person("staff", "Inès", "Durand")
        referent = relay.person(
            "referent", "Rémi", "Petit", territory=Territory(departments=["59"], bassins=[])
        )
        await relay.introduce(stranger, referent)
        await relay.write(conversation, karim, "Bonjour Léa")
        path = f"/conversations/{conversation['id']}/messages"
        hidden = await relay.get(f"{path}?after=0&wait=1", stranger)
        read_along = await relay.get(f"{path}?after=1", referent)
        both = await relay.get(f"{path}?after=1&cursor=abc", lea)
        without_after = await relay.get(f"{path}?wait=5", lea)
        too_long = await relay.get(f"{path}?after=1&wait=600", lea)
        still_unread = await relay.get(f"/conversations/{conversation['id']}", lea)

    assert hidden.status == 404
    assert [m["body"] for m in read_along.body["items"]] == ["Bonjour Léa"]
    # A referent reading along reads nothing of hers: Léa still has it unread.
    assert still_unread.body["unread"] == 1
    assert (both.status, without_after.status, too_long.status) == (400, 400, 400)


async def test_the_api_description_tells_how_to_follow_a_conversation(
    open_relay: OpenRelay,
) -> None:
    async with open_relay() as relay:
        answer = await relay.get("/openapi.json", None)

    operation = answer.body["paths"]["/conversations/{conversation_id}/messages"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert {"after", "wait", "limit", "cursor"} <= set(parameters)
    assert "attente longue" in str(parameters["wait"])
    assert "wait" in operation["description"]


async def test_a_stopping_service_answers_its_waiting_readers_at_once(
    open_relay: OpenRelay,
) -> None:
    async with aiohttp.ClientSession() as browser:  # outlives the platform
        async with open_relay() as relay:
            lea, _, conversation = await lea_asks_karim(relay)
            url = relay.run.url(
                f"/api/messaging/conversations/{conversation['id']}/messages?after=1&wait=30"
            )
            headers = {"Authorization": f"Bearer {lea.token}"}
            waiting = asyncio.create_task(browser.get(url, headers=headers))
            await asyncio.sleep(0.3)  # the reader is waiting
            assert not waiting.done()
            started = time.perf_counter()
        # The platform has stopped (a deployment rolls on): the reader had its answer.
        async with await waiting as answer:
            body = await answer.json()
        stopped_after = time.perf_counter() - started

    assert answer.status == 200, body
    assert body["items"] == []
    assert stopped_after < 15  # not the 30 s the reader asked to wait
