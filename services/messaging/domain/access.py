"""Who may read and who may write a conversation.

Its participants read and write; the referents of the establishment's zone read
(they follow the solicitations of their territory); for anyone else it does not
exist (404, never 403: its existence is not to be learnt).
"""

from __future__ import annotations

from enum import Enum

from services.messaging.domain.model import Conversation
from shared.http import Principal


class Access(Enum):
    """What a caller may do with one conversation."""

    NONE = "none"
    READ = "read"  # referent of the zone
    PARTICIPATE = "participate"


def access_to(conversation: Conversation, principal: Principal) -> Access:
    """The caller's access to ``conversation``."""
    participant = conversation.participant(principal.user_id)
    if participant is not None and not participant.deleted:
        return Access.PARTICIPATE
    if principal.role == "referent" and in_territory(conversation, principal):
        return Access.READ
    return Access.NONE


def in_territory(conversation: Conversation, principal: Principal) -> bool:
    """Whether the conversation's establishment lies in the referent's territory."""
    territory = principal.territory
    if territory is None:
        return False
    if conversation.department and conversation.department in territory.departments:
        return True
    return bool(conversation.bassin and conversation.bassin in territory.bassins)
