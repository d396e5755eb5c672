"""Messaging's error catalogue: each code with its status (French wording: data/errors.toml)."""

from __future__ import annotations

from shared.http import ErrorCatalogue

CATALOGUE = ErrorCatalogue.of_package("services.messaging")

CONVERSATION_NOT_FOUND = CATALOGUE.kind(404, "conversation_not_found")
READ_ONLY = CATALOGUE.kind(403, "conversation_read_only")
CONVERSATION_CLOSED = CATALOGUE.kind(409, "conversation_closed")
CONTACT_UNKNOWN = CATALOGUE.kind(409, "contact_unknown")
TOO_MANY_MESSAGES = CATALOGUE.kind(429, "too_many_messages")
