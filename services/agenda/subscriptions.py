"""Events agenda consumes from other services."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.events import AmbassadorProfileChanged
from services.agenda.store import AmbassadorCopies
from shared.bus import Delivery, Subscription
from shared.runtime import ServiceContext


def subscriptions(ctx: ServiceContext) -> Sequence[Subscription]:
    """Agenda's handlers, each on its own durable queue."""
    copies = AmbassadorCopies(ctx.db)

    async def copy_ambassador(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, AmbassadorProfileChanged)

        async def effect(session: AsyncClientSession) -> None:
            fields = event.model_dump(mode="python", exclude={"ambassador_id", "revision"})
            await copies.replace_if_newer(event.ambassador_id, event.revision, fields, session)

        await ctx.once("copy_ambassador", delivery.envelope.id, effect)

    return [Subscription("agenda", "copy_ambassador", AmbassadorProfileChanged, copy_ambassador)]
