"""Messaging's HTTP routes under ``/api/messaging`` (thin: rules live in ``conversations``)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web

from services.messaging import audit
from services.messaging.conversations import (
    ContactUnknownError,
    ConversationClosedError,
    ConversationNotFoundError,
    Conversations,
    ReadOnlyError,
)
from services.messaging.domain.access import Access
from services.messaging.domain.masking import SHARING_HINT
from services.messaging.domain.model import Message
from services.messaging.errors import (
    CONTACT_UNKNOWN,
    CONVERSATION_CLOSED,
    CONVERSATION_NOT_FOUND,
    READ_ONLY,
    TOO_MANY_MESSAGES,
)
from services.messaging.post_rate import RateLimitedError
from services.messaging.shapes import (
    ContactToShareOut,
    ConversationOut,
    ConversationsQuery,
    MessageOut,
    MessagesQuery,
    NewMessage,
    PostedMessageOut,
    conversation_out,
    message_out,
)
from shared.http import ApiError, Authenticated, Call, Page, Router
from shared.runtime import SERVICE_CONTEXT, ServiceContext

CONVERSATIONS = web.AppKey("conversations", Conversations)
T = TypeVar("T")


def _service(call: Call[Any, Any]) -> Conversations:
    return call.request.app[CONVERSATIONS]


def _context(call: Call[Any, Any]) -> ServiceContext:
    return call.request.app[SERVICE_CONTEXT]


def _api_error(error: Exception) -> ApiError | None:
    """The error catalogue's answer for one of the service's exceptions."""
    if isinstance(error, ConversationNotFoundError):
        return CONVERSATION_NOT_FOUND.error()
    if isinstance(error, ReadOnlyError):
        return READ_ONLY.error()
    if isinstance(error, ConversationClosedError):
        return CONVERSATION_CLOSED.error()
    if isinstance(error, ContactUnknownError):
        return CONTACT_UNKNOWN.error()
    if isinstance(error, RateLimitedError):
        seconds = math.ceil(error.retry_after)
        return TOO_MANY_MESSAGES.error(
            headers={"Retry-After": str(seconds)}, retry_after_seconds=seconds
        )
    return None


async def _answering(work: Awaitable[T]) -> T:
    try:
        return await work
    except Exception as error:
        answer = _api_error(error)
        if answer is None:
            raise
        raise answer from None


def build_router() -> Router:
    """The messaging routes on a new ``Router`` (one per application instance)."""
    router = Router(
        "messaging",
        "Proch'Orientation — messagerie",
        "1.0.0",
        description="Conversations entre demandeurs et ambassadeurs, sans partage des "
        "coordonnées tant que chacun ne l'a pas choisi ; réponses possibles par e-mail.",
    )
    add_conversation_routes(router)
    return router


def add_conversation_routes(router: Router) -> None:
    """A person's conversations: reading, writing, sharing one's contact, closing."""
    signed_in = Authenticated()
    not_found = [CONVERSATION_NOT_FOUND]

    def view(service: Conversations, viewer: str) -> Callable[..., ConversationOut]:
        now = datetime.now(UTC)
        return lambda conversation, access: conversation_out(
            conversation, viewer, access, relay_domain=service.relay_domain, now=now
        )

    @router.get(
        "/conversations", summary="Mes conversations (les plus récentes d'abord)", auth=signed_in
    )
    async def list_conversations(call: Call[None, ConversationsQuery]) -> Page[ConversationOut]:
        service = _service(call)
        user = call.user
        show = view(service, user.user_id)
        if call.query.scope == "territory":
            territory = user.territory
            if user.role != "referent" or territory is None:
                return Page(items=[])
            page = await service.store.page_for_territory(
                territory.departments,
                territory.bassins,
                call.query,
                appointment_id=call.query.appointment_id,
            )
            items = [show(c, Access.READ) for c in page.items]
            people = audit.in_conversations(user, page.items)
            await audit.record_reads(_context(call), user, audit.CONVERSATIONS_LISTED, people)
        else:
            page = await service.store.page_for_participant(
                user.user_id, call.query, appointment_id=call.query.appointment_id
            )
            items = [show(c, Access.PARTICIPATE) for c in page.items]
        return Page(items=items, next_cursor=page.next_cursor)

    @router.get(
        "/conversations/{conversation_id}",
        summary="Une conversation",
        auth=signed_in,
        errors=not_found,
    )
    async def get_conversation(call: Call[None, None]) -> ConversationOut:
        service = _service(call)
        conversation, access = await _answering(
            service.visible(call.path("conversation_id"), call.user)
        )
        shown = view(service, call.user.user_id)(conversation, access)
        people = audit.in_conversations(call.user, [conversation])
        await audit.record_reads(_context(call), call.user, audit.CONVERSATION_READ, people)
        return shown

    @router.get(
        "/conversations/{conversation_id}/messages",
        summary="Messages d'une conversation (page la plus récente d'abord, "
        "chaque page du plus ancien au plus récent), ou ceux arrivés après un message",
        description="Lire les messages les marque comme lus. Pour suivre une conversation "
        "ouverte : « after » (le seq du dernier message affiché) et « wait » (secondes) ; "
        "la réponse arrive dès qu'un nouveau message est écrit, ou vide au bout de "
        "« wait » secondes.",
        auth=signed_in,
        errors=not_found,
    )
    async def list_messages(call: Call[None, MessagesQuery]) -> Page[MessageOut]:
        viewer = call.user.user_id
        query = call.query
        if query.after is not None:
            conversation, items = await _answering(
                _service(call).since(
                    call.path("conversation_id"), call.user, query.after, query.limit, query.wait
                )
            )
            page: Page[Message] = Page(items=items)
        else:
            conversation, page = await _answering(
                _service(call).read(call.path("conversation_id"), call.user, query)
            )
        # An empty page showed nobody's words.
        people = audit.in_conversations(call.user, [conversation] if page.items else [])
        await audit.record_reads(
            _context(call), call.user, audit.CONVERSATION_MESSAGES_READ, people
        )
        return Page(
            items=[message_out(m, conversation, viewer) for m in page.items],
            next_cursor=page.next_cursor,
        )

    @router.post(
        "/conversations/{conversation_id}/messages",
        summary="Écrire un message",
        description="Le message parvient aussi par e-mail aux autres participants, depuis "
        "une adresse masquée. Tant que vous n'avez pas partagé vos coordonnées, les "
        "adresses e-mail et numéros de téléphone écrits sont masqués pour eux.",
        status=201,
        auth=signed_in,
        errors=[CONVERSATION_NOT_FOUND, READ_ONLY, CONVERSATION_CLOSED, TOO_MANY_MESSAGES],
    )
    async def post_message(call: Call[NewMessage, None]) -> PostedMessageOut:
        service = _service(call)
        user = call.user
        conversation_id = call.path("conversation_id")
        try:
            # Straight to the write (it checks participation): one read less per message.
            posted = await service.post(
                conversation_id, user.user_id, call.body.body, source="platform"
            )
        except ConversationNotFoundError:
            # Not a participant: 404, unless a referent of the zone, who may only read.
            await _answering(service.visible(conversation_id, user))
            raise READ_ONLY.error() from None
        except Exception as error:
            answer = _api_error(error)
            if answer is None:
                raise
            raise answer from None
        shown = message_out(posted.message, posted.conversation, user.user_id)
        return PostedMessageOut(
            **shown.model_dump(), notice=SHARING_HINT if posted.message.masked else None
        )

    @router.get(
        "/conversations/{conversation_id}/contact-sharing",
        summary="Ce que verraient les autres participants si je partageais mes coordonnées",
        description="Pour confirmer en connaissance de cause : les coordonnées telles "
        "qu'elles seraient partagées, et le message qui les porte.",
        auth=signed_in,
        errors=[CONVERSATION_NOT_FOUND, READ_ONLY, CONTACT_UNKNOWN],
    )
    async def contact_to_share(call: Call[None, None]) -> ContactToShareOut:
        shared, message, already = await _answering(
            _service(call).contact_to_share(call.path("conversation_id"), call.user)
        )
        return ContactToShareOut(
            **shared.model_dump(exclude={"shared_at"}), message=message, already_shared=already
        )

    @router.post(
        "/conversations/{conversation_id}/contact-sharing",
        summary="Partager mes coordonnées dans cette conversation",
        description="Vos nom, adresse e-mail et téléphone deviennent visibles des autres "
        "participants de cette conversation seulement, et leur sont envoyés.",
        auth=signed_in,
        errors=[CONVERSATION_NOT_FOUND, READ_ONLY, CONVERSATION_CLOSED, CONTACT_UNKNOWN],
    )
    async def share_contact(call: Call[None, None]) -> ConversationOut:
        service = _service(call)
        user = call.user
        conversation_id = call.path("conversation_id")
        _, access = await _answering(service.visible(conversation_id, user))
        if access is not Access.PARTICIPATE:
            raise READ_ONLY.error()
        conversation = await _answering(service.share_contact(conversation_id, user.user_id))
        return view(service, user.user_id)(conversation, Access.PARTICIPATE)

    @router.post(
        "/conversations/{conversation_id}/close",
        summary="Clore la conversation",
        description="Plus aucun message n'y est accepté, ni dans la plateforme ni par e-mail.",
        auth=signed_in,
        errors=[CONVERSATION_NOT_FOUND, READ_ONLY],
    )
    async def close_conversation(call: Call[None, None]) -> ConversationOut:
        service = _service(call)
        conversation = await _answering(service.close(call.path("conversation_id"), call.user))
        return view(service, call.user.user_id)(conversation, Access.PARTICIPATE)
