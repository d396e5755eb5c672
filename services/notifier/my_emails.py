"""« Mes notifications »: the kinds of email a person may decline, what they chose, and
whether their address bounces."""

from __future__ import annotations

from services.notifier.domain.choices import KINDS
from services.notifier.shapes import EmailChoice, MyEmails
from services.notifier.store import NotifierStore


async def my_emails(store: NotifierStore, user_id: str) -> MyEmails:
    """What « Mes notifications » shows to ``user_id``."""
    declined = await store.declined_since(user_id)
    contact = await store.contact(user_id)
    bounced = (
        bool(await store.undeliverable_among([contact.email]))
        if contact is not None and contact.email
        else False
    )
    return MyEmails(
        choices=[
            EmailChoice(kind=code, label=kind.label, hint=kind.hint, wanted=code not in declined)
            for code, kind in KINDS.items()
        ],
        address_undeliverable=bounced,
    )
