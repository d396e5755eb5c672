"""The shapes messaging takes and gives, below its routes: request and answer models,
and how a viewer sees a conversation (names, shared details, unread count, masked
bodies). ``api.py`` declares them as its bodies; nothing but ``app.py`` imports it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from services.messaging.domain.access import Access
from services.messaging.domain.aliases import alias_address
from services.messaging.domain.masking import mask_contact_details
from services.messaging.domain.model import (
    Conversation,
    Message,
    MessageKind,
    ParticipantRole,
    Source,
)
from services.messaging.domain.text import MAX_BODY_CHARS, clean_body
from shared.http import PageQuery, StrictBody

SHARED_FOR_ONLOOKERS = "a communiqué ses coordonnées aux autres participants de la conversation."


class NewMessage(StrictBody):
    """``POST /conversations/{id}/messages``."""

    body: str = Field(
        description="Texte brut, jamais interprété comme du HTML, "
        f"de {MAX_BODY_CHARS} caractères au plus."
    )

    @field_validator("body")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        text = clean_body(value)
        if not text:
            raise ValueError("Le message est vide.")
        if len(text) > MAX_BODY_CHARS:
            raise ValueError(
                f"Le message dépasse {MAX_BODY_CHARS:,} caractères ({len(text):,}).".replace(
                    ",", "\u202f"
                )
            )
        return text


class ConversationsQuery(PageQuery):
    """``GET /conversations``: your own, or (referents) those of your territory."""

    scope: Literal["mine", "territory"] = Field(
        "mine", description="« territory » : les conversations de votre territoire (référents)."
    )
    appointment_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Seulement la conversation de ce rendez-vous (lien depuis l'agenda).",
    )


MAX_WAIT_SECONDS = 30


class MessagesQuery(PageQuery):
    """``GET /conversations/{id}/messages``: pages back from the newest, or (``after``)
    the messages that came after one, with an optional wait for the next one."""

    after: int | None = Field(
        None,
        ge=0,
        description="Numéro (seq) du dernier message déjà lu : ne renvoie que les suivants, "
        "du plus ancien au plus récent, « limit » au plus (redemander avec le seq du dernier "
        "reçu pour la suite). Exclut « cursor ».",
    )
    wait: float = Field(
        0,
        ge=0,
        le=MAX_WAIT_SECONDS,
        description="Avec « after » : s'il n'y a encore aucun message, attendre jusqu'à ce "
        "nombre de secondes qu'il en arrive un (attente longue) ; la réponse est une liste "
        "vide si rien n'est arrivé.",
    )

    @model_validator(mode="after")
    def _one_way_of_reading(self) -> MessagesQuery:
        if self.after is not None and self.cursor is not None:
            raise ValueError("Indiquez soit « after », soit « cursor », pas les deux.")
        if self.wait and self.after is None:
            raise ValueError("« wait » s'utilise avec « after ».")
        return self


class SharedContactOut(BaseModel):
    """Details a participant chose to share in this conversation."""

    name: str
    email: str
    phone: str | None
    shared_at: datetime


class ContactToShareOut(BaseModel):
    """What « partager mes coordonnées » would show the other participants."""

    name: str
    email: str
    phone: str | None
    message: str = Field(
        description="Le message qui les porte, tel que les autres participants le "
        "liront (et le recevront par e-mail)."
    )
    already_shared: bool


class ParticipantOut(BaseModel):
    """A participant as the viewer sees them."""

    user_id: str
    role: ParticipantRole
    display_name: str
    is_you: bool
    has_shared_contact: bool
    contact: SharedContactOut | None = Field(
        None, description="Coordonnées partagées (visibles des seuls autres participants)."
    )


class ConversationOut(BaseModel):
    """A conversation as the viewer sees it."""

    id: str
    appointment_id: str
    subject: str
    status: Literal["open", "closed"]
    closes_at: datetime | None
    closed_at: datetime | None = Field(
        None, description="Quand un participant l'a close (null si personne ne l'a fait)."
    )
    participants: list[ParticipantOut]
    unread: int | None = Field(
        description="Messages non lus (null pour un lecteur non participant)."
    )
    can_post: bool
    reply_address: str | None = Field(
        description="Votre adresse masquée : un e-mail envoyé ici depuis votre adresse "
        "enregistrée est publié dans la conversation."
    )
    created_at: datetime
    last_message_at: datetime


class AuthorOut(BaseModel):
    """Who wrote a message."""

    user_id: str
    display_name: str
    is_you: bool


class MessageOut(BaseModel):
    """A message as the viewer reads it."""

    id: str
    seq: int
    kind: MessageKind
    source: Source
    author: AuthorOut
    body: str
    masked: bool = Field(
        description="Des coordonnées ont été masquées pour le destinataire "
        "(l'auteur, lui, voit son texte tel qu'écrit)."
    )
    created_at: datetime


class PostedMessageOut(MessageOut):
    """The answer to a new message: tells the author when details were masked, and why."""

    notice: str | None = None


def conversation_out(
    conversation: Conversation,
    viewer_id: str,
    access: Access,
    *,
    relay_domain: str,
    now: datetime,
) -> ConversationOut:
    """``conversation`` as ``viewer_id`` sees it."""
    me = conversation.participant(viewer_id) if access is Access.PARTICIPATE else None
    is_open = conversation.is_open(now)
    return ConversationOut(
        id=conversation.id,
        appointment_id=conversation.appointment_id,
        subject=conversation.subject,
        status="open" if is_open else "closed",
        closes_at=conversation.closes_at,
        closed_at=conversation.closed_at,
        participants=[
            ParticipantOut(
                user_id=p.user_id,
                role=p.role,
                display_name=p.display_name,
                is_you=p.user_id == viewer_id,
                has_shared_contact=p.shared is not None,
                # Shared with the other party only: not with a referent who reads along.
                contact=(
                    SharedContactOut.model_validate(p.shared.model_dump())
                    if p.shared is not None and me is not None and not p.deleted
                    else None
                ),
            )
            for p in conversation.participants
        ],
        unread=me.unread if me else None,
        can_post=me is not None and is_open,
        reply_address=alias_address(me.alias, relay_domain) if me and is_open else None,
        created_at=conversation.created_at,
        last_message_at=conversation.last_message_at,
    )


# What every viewer reads of a message as it is stored (not its body nor its author).
_SHOWN_AS_STORED = {"id", "seq", "kind", "source", "created_at"}


def message_out(message: Message, conversation: Conversation, viewer_id: str) -> MessageOut:
    """``message`` as ``viewer_id`` reads it (the author reads their own words)."""
    author = conversation.participant(message.author_id)
    author_name = author.display_name if author else ""
    reads_along = conversation.participant(viewer_id) is None
    body, masked = message.body_for(viewer_id), message.masked
    if reads_along:
        # Details are shared with the other participants only: a referent reading
        # along learns that they were shared, never what they are.
        body, masked = body_for_onlooker(message, author_name)
    return MessageOut(
        **message.model_dump(include=_SHOWN_AS_STORED),
        author=AuthorOut(
            user_id=message.author_id,
            display_name=author_name,
            is_you=message.author_id == viewer_id,
        ),
        body=body,
        masked=masked,
    )


def body_for_onlooker(message: Message, author_name: str) -> tuple[str, bool]:
    """What someone who does not take part reads, and whether details were hidden."""
    if message.kind == "contact_shared":
        return f"{author_name or 'Un participant'} {SHARED_FOR_ONLOOKERS}", True
    # Written after sharing, a message reaches the others unmasked: mask it here.
    seen = mask_contact_details(message.body)
    return seen.text, message.masked or seen.found
