"""Parked messages, for operators: list, inspect, replay or discard them, per service.

A message is parked after its last attempt, or at once when it cannot be read
(``shared.bus``). Each service's admins see the parking queues of that service's
subscriptions under its own prefix (``/api/<service>/parked``). Replaying puts the
message back on its subscription's queue for a fresh round of attempts (the handler
is idempotent: a replay of an event already handled changes nothing); discarding
drops it. Each replay or discard is kept in the service's ``parking_actions``
collection (who, when, which message), listed at ``/parking-actions``.

Reading a RabbitMQ queue takes its messages unacked and then puts them back: while an
operator reads, another operator's read of the same queue sees fewer messages.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from pymongo import DESCENDING

from shared.bus import ParkedMessage, Subscription
from shared.bus.dispatch import ATTEMPT_HEADER, HANDLER_FAILED
from shared.http import (
    INVALID_CURSOR,
    Call,
    ErrorKind,
    Page,
    PageQuery,
    Roles,
    Router,
    decode_cursor,
    encode_cursor,
    paginate,
)
from shared.mongo import Document, IndexSpec

if TYPE_CHECKING:
    from shared.runtime import ServiceContext

log = logging.getLogger("shared.parking")

ACTIONS = "parking_actions"
PARKING_INDEXES = [IndexSpec(ACTIONS, [("at", DESCENDING)], name="latest")]
ADMIN = Roles("admin")
PARKED_NOT_FOUND = ErrorKind(
    404,
    "parked_message_not_found",
    "Message mis de côté introuvable : il a peut-être déjà été rejoué ou écarté.",
)
# Keys of event data whose values are never shown (links carry single-use tokens).
_SECRET_KEYS = ("token", "url", "link", "password", "secret")
MASKED = "***"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

Action = Literal["replayed", "discarded"]


class ParkedView(BaseModel):
    """One parked message, as listed."""

    id: str = Field(description="Identifiant du message mis de côté (empreinte de son contenu).")
    queue: str
    handler: str
    event_type: str | None
    event_id: str | None
    reason: str
    unreadable: bool = Field(
        description="Vrai si le service n'a pas pu lire le message ; faux si son traitement a "
        "échoué à chaque essai."
    )
    parked_at: datetime | None
    attempts: int | None

    @classmethod
    def of(cls, subscription: Subscription, message: ParkedMessage) -> ParkedView:
        """The view of a parked message of ``subscription``."""
        envelope = _envelope(message.body)
        attempts = message.headers.get(ATTEMPT_HEADER)
        return cls(
            id=message.key,
            queue=message.queue,
            handler=subscription.name,
            event_type=_text(envelope.get("type")) if envelope else subscription.event_type,
            event_id=_text(envelope.get("id")) if envelope else None,
            reason=message.reason,
            unreadable=not message.reason.startswith(HANDLER_FAILED),
            # The broker's own dead-lettering time may come without a zone: it is UTC.
            parked_at=(
                message.parked_at.replace(tzinfo=message.parked_at.tzinfo or UTC)
                if message.parked_at
                else None
            ),
            attempts=attempts if isinstance(attempts, int) else None,
        )


class ParkedDetail(ParkedView):
    """One parked message with its envelope (secret-looking values masked)."""

    envelope: dict[str, Any] | None = Field(
        description="L'enveloppe de l'événement, ou null si le message n'en est pas une."
    )
    size: int = Field(description="Taille du message en octets.")


class ParkingAction(BaseModel):
    """What an admin did with a parked message."""

    id: str
    action: Action
    message_id: str
    queue: str
    event_type: str | None
    event_id: str | None
    admin_id: str
    at: datetime

    @classmethod
    def of(cls, document: Document) -> ParkingAction:
        """The view of a stored action (see ``settle``: every field, the id as ``_id``)."""
        return cls.model_validate({**document, "id": document["_id"]})


def add_parking_routes(router: Router, context: ServiceContext) -> None:
    """The admin routes of ``context``'s parked messages, on the service's router."""

    async def everything() -> list[tuple[Subscription, ParkedMessage]]:
        found = []
        for subscription in context.subscriptions:
            for message in await context.bus.parked(subscription):
                found.append((subscription, message))
        return found

    async def one(message_id: str) -> tuple[Subscription, ParkedMessage]:
        for subscription, message in await everything():
            if message.key == message_id:
                return subscription, message
        raise PARKED_NOT_FOUND.error()

    @router.get(
        "/parked",
        summary="Messages mis de côté après leur dernier essai, les plus anciens d'abord",
        auth=ADMIN,
    )
    async def list_parked(call: Call[None, PageQuery]) -> Page[ParkedView]:
        views = sorted(
            (ParkedView.of(subscription, message) for subscription, message in await everything()),
            key=_order,
        )
        if call.query.cursor is not None:
            after = tuple(decode_cursor(call.query.cursor, length=2))
            if not (isinstance(after[0], datetime) and isinstance(after[1], str)):
                raise INVALID_CURSOR.error()
            views = [view for view in views if _order(view) > after]
        items = views[: call.query.limit]
        more = len(views) > len(items)
        return Page(items=items, next_cursor=encode_cursor(_order(items[-1])) if more else None)

    @router.get(
        "/parked/{message_id}",
        summary="Un message mis de côté, avec son enveloppe (liens et jetons masqués)",
        auth=ADMIN,
        errors=[PARKED_NOT_FOUND],
    )
    async def show_parked(call: Call[None, None]) -> ParkedDetail:
        subscription, message = await one(call.path("message_id"))
        envelope = _envelope(message.body)
        return ParkedDetail(
            **ParkedView.of(subscription, message).model_dump(),
            envelope=_masked(envelope) if envelope is not None else None,
            size=len(message.body),
        )

    async def settle(call: Call[None, None], action: Action) -> ParkingAction:
        subscription, message = await one(call.path("message_id"))
        taken = await context.bus.take_parked(
            subscription, message.key, replay=action == "replayed"
        )
        if taken is None:  # another admin was quicker
            raise PARKED_NOT_FOUND.error()
        view = ParkedView.of(subscription, taken)
        done = ParkingAction(
            id=uuid.uuid4().hex,
            action=action,
            message_id=view.id,
            queue=view.queue,
            event_type=view.event_type,
            event_id=view.event_id,
            admin_id=call.user.user_id,
            at=datetime.now(UTC),
        )
        document = {"_id": done.id, **done.model_dump(exclude={"id"})}
        await context.db[ACTIONS].insert_one(document)
        log.warning(
            "parked message %s by an admin",
            action,
            extra={
                "admin_id": done.admin_id,
                "queue": done.queue,
                "event_type": done.event_type,
                "event_id": done.event_id,
            },
        )
        return done

    @router.post(
        "/parked/{message_id}/replay",
        summary="Remettre un message mis de côté dans sa file, pour une nouvelle série d'essais",
        auth=ADMIN,
        errors=[PARKED_NOT_FOUND],
    )
    async def replay_parked(call: Call[None, None]) -> ParkingAction:
        return await settle(call, "replayed")

    @router.post(
        "/parked/{message_id}/discard",
        summary="Écarter définitivement un message mis de côté",
        auth=ADMIN,
        errors=[PARKED_NOT_FOUND],
    )
    async def discard_parked(call: Call[None, None]) -> ParkingAction:
        return await settle(call, "discarded")

    @router.get(
        "/parking-actions",
        summary="Qui a rejoué ou écarté quel message mis de côté, les plus récents d'abord",
        auth=ADMIN,
    )
    async def list_parking_actions(call: Call[None, PageQuery]) -> Page[ParkingAction]:
        return await paginate(
            context.db[ACTIONS],
            {},
            sort=[("at", DESCENDING)],
            page=call.query,
            load=ParkingAction.of,
        )


def _order(view: ParkedView) -> tuple[datetime, str]:
    return (view.parked_at or EPOCH, view.id)


def _envelope(body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


def _masked(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, str(k)) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_masked(item, key) for item in value]
    if isinstance(value, str) and any(word in key.lower() for word in _SECRET_KEYS):
        return MASKED
    return value
