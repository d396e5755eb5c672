"""The protocol by which every service answers for the personal data it holds (RGPD).

Accounts owns the person and asks; each service answers with events of its own type
built on the bases of ``shared.contracts.personal_data`` (declared with its other
events in ``shared.contracts.<service>``):

- export: accounts publishes ``accounts.export.requested``; every other service
  publishes ``<service>.export.prepared`` with what it holds about the person, and
  accounts assembles the parts into one document;
- erasure: on ``accounts.user.deleted`` every other service erases or anonymises, then
  publishes ``<service>.user.erased``; accounts records when erasure is complete;
- audit: when a service shows a referent or an admin other people's data, it publishes
  ``<service>.personal_data.read`` naming them; accounts keeps the audit log that
  admins query and that each person finds in their export.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared.bus import Delivery, Subscription
from shared.contracts.accounts import ExportRequested
from shared.contracts.personal_data import ExportPrepared, PersonalDataRead
from shared.handlers import typed

if TYPE_CHECKING:
    # Only for annotations.
    from pymongo.asynchronous.client_session import AsyncClientSession

    from shared.http import Principal
    from shared.runtime import ServiceContext

# The services that answer for personal data besides accounts.
ANSWERING_SERVICES = ("agenda", "messaging", "notifier")

# Roles whose reads of other people's data go to the audit log: their rights reach
# beyond the people they deal with themselves.
AUDITED_ROLES = frozenset({"referent", "admin"})


def people_to_audit(actor_role: str, actor_id: str, user_ids: Iterable[str | None]) -> list[str]:
    """Whose data a read shown to ``actor_id`` must log: each person once, in order.

    Nobody when the reader's role is not audited; never the readers themselves, nor
    people already erased (shown without an id).
    """
    if actor_role not in AUDITED_ROLES:
        return []
    return list(dict.fromkeys(uid for uid in user_ids if uid and uid != actor_id))


async def report_reads(
    context: ServiceContext,
    event: type[PersonalDataRead],
    reader: Principal,
    action: str,
    user_ids: Iterable[str | None],
    *,
    at: datetime | None = None,
) -> None:
    """Tell accounts that ``reader`` was shown these people's data.

    ``event`` is the service's own ``<service>.personal_data.read``; it names the
    people of :func:`people_to_audit` and goes through the service's outbox, in a
    transaction of its own, once the read succeeded. Nothing is published when
    nobody is to be logged. ``at`` defaults to now.
    """
    people = people_to_audit(reader.role, reader.user_id, user_ids)
    if not people:
        return
    read = event(
        actor_id=reader.user_id,
        actor_role=reader.role,
        action=action,
        user_ids=people,
        service=context.name,
        read_at=at or datetime.now(UTC),
    )

    async def work(session: AsyncClientSession) -> None:
        await context.outbox.add(read, session)

    await context.transaction(work)


@dataclass(frozen=True, slots=True)
class ReadReporter:
    """A service's :func:`report_reads`, bound to its own ``personal_data.read`` event."""

    event: type[PersonalDataRead]

    async def __call__(
        self,
        context: ServiceContext,
        reader: Principal,
        action: str,
        user_ids: Iterable[str | None],
        *,
        at: datetime | None = None,
    ) -> None:
        """Tell accounts that ``reader`` was shown these people's data."""
        await report_reads(context, self.event, reader, action, user_ids, at=at)


def export_answers(
    context: ServiceContext,
    name: str,
    prepared: type[ExportPrepared],
    read: Callable[[str], Awaitable[dict[str, Any]]],
) -> Subscription:
    """The subscription by which a service answers accounts' export requests.

    ``read`` gathers what the service holds about the person, outside any transaction
    (an export may be large, and the embedded store runs transactions one after
    another); the service's ``prepared`` part then goes through its outbox once per
    request. ``name`` names the queue and the handled-event records.
    """

    async def answer(delivery: Delivery) -> None:
        request = typed(delivery, ExportRequested)
        data = await read(request.user_id)

        async def publish(session: AsyncClientSession) -> None:
            part = prepared(
                request_id=request.request_id,
                user_id=request.user_id,
                service=context.name,
                data=data,
            )
            await context.outbox.add(part, session, correlation_id=delivery.envelope.correlation_id)

        await context.once(name, delivery.envelope.id, publish)

    return Subscription(context.name, name, ExportRequested, answer)
