"""Messaging's error catalogue: each code with its French message."""

from __future__ import annotations

from shared.http import ErrorKind

CONVERSATION_NOT_FOUND = ErrorKind(404, "conversation_not_found", "Conversation introuvable.")
READ_ONLY = ErrorKind(
    403,
    "conversation_read_only",
    "Vous pouvez lire cette conversation, mais seuls ses participants peuvent y écrire.",
)
CONVERSATION_CLOSED = ErrorKind(
    409,
    "conversation_closed",
    "Cette conversation est close : il n'est plus possible d'y écrire.",
)
CONTACT_UNKNOWN = ErrorKind(
    409,
    "contact_unknown",
    "Vos coordonnées ne sont pas encore connues de la messagerie : réessayez dans un instant.",
)
TOO_MANY_MESSAGES = ErrorKind(
    429,
    "too_many_messages",
    "Vous avez envoyé beaucoup de messages en peu de temps : patientez un instant "
    "avant d'écrire à nouveau.",
)
