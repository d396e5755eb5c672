"""Only the participant an alias belongs to may post through it.

Both the envelope sender (MAIL FROM) and the ``From`` header must be that person's
registered address: one without the other is how forged mail usually looks.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import getaddresses


def sender_is_owner(registered: str | None, mail_from: str, from_headers: Sequence[str]) -> bool:
    """Whether a mail with this envelope sender and ``From`` comes from ``registered``."""
    if not registered:
        return False
    owner = registered.strip().lower()
    if mail_from.strip().strip("<>").strip().lower() != owner:
        return False
    addresses = [address.strip().lower() for _, address in getaddresses(list(from_headers))]
    return len(addresses) == 1 and addresses[0] == owner
