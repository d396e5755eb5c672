"""Events agenda consumes from accounts: its copies of people and organizations,
and the personal-data requests (export, erasure).

Each handler is idempotent (``ServiceContext.once``) and tolerates order: an
ambassador's profile carries a revision (newest wins); staff and referent events
carry none, so the time they occurred decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda.context import Agenda
from services.agenda.domain.model import (
    AmbassadorCopy,
    EstablishmentInfo,
    OrganizationCopy,
    ReferentCopy,
    StaffCopy,
)
from services.agenda.domain.territory import bassin_departments
from services.agenda.erasure import erase_user
from services.agenda.personal_data import export_of
from shared.bus import Subscription
from shared.contracts.accounts import (
    AmbassadorProfileChanged,
    OrganizationChanged,
    ReferentChanged,
    StaffProfileChanged,
    UserDeleted,
)
from shared.contracts.agenda import AgendaExportPrepared
from shared.events import Envelope
from shared.handlers import E, Effect
from shared.personal_data import export_answers
from shared.runtime import ServiceContext

SERVICE = "agenda"
# The copies that carry no revision: the time their event occurred orders them.
NewerWins = StaffCopy | ReferentCopy | OrganizationCopy


def ambassador_copy(event: AmbassadorProfileChanged) -> AmbassadorCopy:
    """Agenda's copy of an ambassador from their profile event."""
    deleted = event.not_solicitable_reason == "deleted"
    return AmbassadorCopy(
        id=event.ambassador_id,
        revision=event.revision,
        # A deleted ambassador keeps no name here.
        first_name="" if deleted else event.first_name,
        last_initial="" if deleted else event.last_initial,
        profile=event.profile,
        job_title=None if deleted else event.job_title,
        sector=event.sector,
        organization_id=event.organization_id,
        interventions=list(event.interventions),
        zone_departments=list(event.zone.departments),
        zone_bassins=list(event.zone.bassins),
        solicitable=event.solicitable and not deleted,
        not_solicitable_reason=event.not_solicitable_reason,
        pause_from=event.pause_from,
        pause_to=event.pause_to,
        max_solicitations_per_month=event.max_solicitations_per_month,
        deleted=deleted,
    )


def _person(event: StaffProfileChanged | ReferentChanged, envelope: Envelope) -> dict[str, Any]:
    """Who a staff member's or referent's copy is, and as of when (their events carry
    no revision: the time they occurred orders them)."""
    return {
        "id": event.user_id,
        "as_of": envelope.occurred_at,
        "first_name": event.first_name,
        "last_initial": event.last_initial,
    }


def staff_copy(event: StaffProfileChanged, envelope: Envelope) -> StaffCopy:
    """Agenda's copy of an educational-team member and their establishment."""
    # accounts placed the establishment from the reference data; a bassin of another
    # department (an older or foreign event) is not kept.
    bassin = (
        event.bassin if bassin_departments().get(event.bassin or "") == event.department else None
    )
    return StaffCopy(
        **_person(event, envelope),
        establishment=EstablishmentInfo(
            uai=event.establishment_uai,
            name=event.establishment_name,
            city=event.city,
            postcode=event.postcode,
            department=event.department,
            bassin=bassin,
        ),
    )


def referent_copy(event: ReferentChanged, envelope: Envelope) -> ReferentCopy:
    """Agenda's copy of a referent and their territory."""
    return ReferentCopy(
        **_person(event, envelope),
        departments=list(event.territory.departments),
        bassins=list(event.territory.bassins),
        active=event.active,
    )


def organization_copy(event: OrganizationChanged, envelope: Envelope) -> OrganizationCopy:
    """Agenda's copy of a partner organization and its conventions: the event's fields."""
    return OrganizationCopy(
        id=event.organization_id,
        as_of=envelope.occurred_at,
        **event.model_dump(exclude={"organization_id"}),
    )


def subscriptions(agenda: Agenda) -> Sequence[Subscription]:
    """Agenda's handlers, each on its own durable queue, each effect once per event."""
    ctx: ServiceContext = agenda.ctx
    store = agenda.store

    async def copy_ambassador(
        event: AmbassadorProfileChanged, envelope: Envelope, session: AsyncClientSession
    ) -> None:
        await store.replace_ambassador_if_newer(
            ambassador_copy(event), session, seen_at=agenda.now()
        )

    def keep_newer(copy: Callable[[E, Envelope], NewerWins]) -> Effect[E]:
        """The effect that stores ``copy`` of the event unless a newer one is stored."""

        async def effect(event: E, envelope: Envelope, session: AsyncClientSession) -> None:
            await store.replace_if_newer(copy(event, envelope), session)

        return effect

    async def erase(event: UserDeleted, envelope: Envelope, session: AsyncClientSession) -> None:
        await erase_user(agenda, event.user_id, event.role, session)

    async def reschedule(event: UserDeleted, envelope: Envelope) -> None:
        agenda.schedule_changed.set()

    async def export(user_id: str) -> dict[str, Any]:
        return await export_of(agenda, user_id)

    return [
        ctx.on(AmbassadorProfileChanged, "copy_ambassador", copy_ambassador),
        ctx.on(StaffProfileChanged, "copy_staff", keep_newer(staff_copy)),
        ctx.on(ReferentChanged, "copy_referent", keep_newer(referent_copy)),
        ctx.on(UserDeleted, "erase_user", erase, after=reschedule),
        ctx.on(OrganizationChanged, "copy_organization", keep_newer(organization_copy)),
        export_answers(ctx, "export_user", AgendaExportPrepared, export),
    ]
