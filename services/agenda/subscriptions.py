"""Events agenda consumes from accounts: its copies of people and organizations,
and the personal-data requests (export, erasure).

Each handler is idempotent (``ServiceContext.once``) and tolerates order: an
ambassador's profile carries a revision (newest wins); staff and referent events
carry none, so the time they occurred decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.events import (
    AmbassadorProfileChanged,
    ExportRequested,
    OrganizationChanged,
    ReferentChanged,
    StaffProfileChanged,
    UserDeleted,
)
from services.agenda.context import Agenda
from services.agenda.domain.model import (
    AmbassadorCopy,
    EstablishmentInfo,
    OrganizationCopy,
    ReferentCopy,
    SponsorshipTerms,
    StaffCopy,
)
from services.agenda.domain.territory import Place, place_of
from services.agenda.erasure import erase_user
from services.agenda.events import AgendaExportPrepared
from services.agenda.personal_data import export_of
from shared.bus import Delivery, Subscription
from shared.runtime import ServiceContext

SERVICE = "agenda"


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


def staff_copy(event: StaffProfileChanged, delivery: Delivery) -> StaffCopy:
    """Agenda's copy of an educational-team member and their establishment."""
    try:
        place = place_of(event.postcode, event.bassin)
    except ValueError:
        place = Place(event.department, None)
    return StaffCopy(
        id=event.user_id,
        as_of=delivery.envelope.occurred_at,
        first_name=event.first_name,
        last_initial=event.last_initial,
        establishment=EstablishmentInfo(
            uai=event.establishment_uai,
            name=event.establishment_name,
            city=event.city,
            postcode=event.postcode,
            department=event.department or place.department,
            bassin=place.bassin,
        ),
    )


def referent_copy(event: ReferentChanged, delivery: Delivery) -> ReferentCopy:
    """Agenda's copy of a referent and their territory."""
    return ReferentCopy(
        id=event.user_id,
        as_of=delivery.envelope.occurred_at,
        first_name=event.first_name,
        last_initial=event.last_initial,
        departments=list(event.territory.departments),
        bassins=list(event.territory.bassins),
        active=event.active,
    )


def organization_copy(event: OrganizationChanged, delivery: Delivery) -> OrganizationCopy:
    """Agenda's copy of a partner organization and its conventions."""
    terms = event.sponsorship
    return OrganizationCopy(
        id=event.organization_id,
        as_of=delivery.envelope.occurred_at,
        name=event.name,
        siret=event.siret,
        kind=event.kind,
        partnership_charter_signed_at=event.partnership_charter_signed_at,
        sponsorship=SponsorshipTerms(**terms.model_dump()) if terms is not None else None,
    )


def subscriptions(agenda: Agenda) -> Sequence[Subscription]:
    """Agenda's handlers, each on its own durable queue."""
    ctx: ServiceContext = agenda.ctx
    store = agenda.store

    async def copy_ambassador(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, AmbassadorProfileChanged)

        async def effect(session: AsyncClientSession) -> None:
            await store.replace_ambassador_if_newer(
                ambassador_copy(event), session, seen_at=agenda.now()
            )

        await ctx.once("copy_ambassador", delivery.envelope.id, effect)

    async def copy_staff(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, StaffProfileChanged)

        async def effect(session: AsyncClientSession) -> None:
            await store.replace_if_newer(store.staff, staff_copy(event, delivery), session)

        await ctx.once("copy_staff", delivery.envelope.id, effect)

    async def copy_referent(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, ReferentChanged)

        async def effect(session: AsyncClientSession) -> None:
            await store.replace_if_newer(store.referents, referent_copy(event, delivery), session)

        await ctx.once("copy_referent", delivery.envelope.id, effect)

    async def erase(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, UserDeleted)

        async def effect(session: AsyncClientSession) -> None:
            await erase_user(agenda, event.user_id, event.role, session)

        await ctx.once("erase_user", delivery.envelope.id, effect)
        agenda.schedule_changed.set()

    async def copy_organization(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, OrganizationChanged)

        async def effect(session: AsyncClientSession) -> None:
            await store.replace_if_newer(
                store.organizations, organization_copy(event, delivery), session
            )

        await ctx.once("copy_organization", delivery.envelope.id, effect)

    async def export(delivery: Delivery) -> None:
        event = delivery.event
        assert isinstance(event, ExportRequested)

        async def effect(session: AsyncClientSession) -> None:
            part = AgendaExportPrepared(
                request_id=event.request_id,
                user_id=event.user_id,
                service=SERVICE,
                data=await export_of(agenda, event.user_id, session),
            )
            await ctx.outbox.add(part, session, correlation_id=event.request_id)

        await ctx.once("export_user", delivery.envelope.id, effect)

    return [
        Subscription(SERVICE, "copy_ambassador", AmbassadorProfileChanged, copy_ambassador),
        Subscription(SERVICE, "copy_staff", StaffProfileChanged, copy_staff),
        Subscription(SERVICE, "copy_referent", ReferentChanged, copy_referent),
        Subscription(SERVICE, "erase_user", UserDeleted, erase),
        Subscription(SERVICE, "copy_organization", OrganizationChanged, copy_organization),
        Subscription(SERVICE, "export_user", ExportRequested, export),
    ]
