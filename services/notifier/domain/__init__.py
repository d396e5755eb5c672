"""The notifier's rules: which email each event gives, French wording, invitations."""

from services.notifier.domain.calendar import CalendarInvite, invitation_ics
from services.notifier.domain.emails import (
    Occurrence,
    OutgoingEmail,
    RelayHeaders,
    RenderedEmail,
    plan,
)

__all__ = [
    "CalendarInvite",
    "Occurrence",
    "OutgoingEmail",
    "RelayHeaders",
    "RenderedEmail",
    "invitation_ics",
    "plan",
]
