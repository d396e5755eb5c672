"""The ambassadors' directory and referents' decisions on an ambassador."""

from __future__ import annotations

from aiohttp import web

from services.accounts import audit, credentials, moderation
from services.accounts import directory as listing
from services.accounts.api.directory_models import AmbassadorView, DirectoryQuery, PublicProfile
from services.accounts.api.resources import accounts_for_open_session, accounts_of
from services.accounts.domain import search
from services.accounts.domain.access import DIRECTORY_ROLES
from services.accounts.domain.ambassadors import solicitability
from services.accounts.domain.catalog import sectors
from services.accounts.errors import (
    ALREADY_SUSPENDED,
    AMBASSADOR_NOT_FOUND,
    NO_RECORD_TO_DECIDE,
    NOT_SUSPENDED,
    NOT_YOUR_ZONE,
    SESSION_ENDED,
)
from services.accounts.shapes.joining import Zone
from services.accounts.shapes.moderation import RecordDecision, SuspensionIn
from services.accounts.shapes.profile import RecordState, Suspension
from shared.http import Call, Page, Roles, Router
from shared.mongo import Document


def public_profile(row: Document) -> PublicProfile:
    """A directory document as the API shows it: its fields by name, the id from ``_id``."""
    sector = row.get("sector")
    return PublicProfile.model_validate(
        {
            **row,
            "id": row["_id"],
            "sector_name": sectors().get(sector) if sector else None,
            "background": row.get("background") or "",
            "interventions": row.get("interventions", []),
            "zone": Zone.model_construct(**row["zone"]),
        }
    )


def add_directory_routes(router: Router) -> None:
    """Declare the directory routes on ``router``."""
    directory = router.group(auth=Roles(*DIRECTORY_ROLES), errors=[SESSION_ENDED])
    # A referent acts on the ambassadors of their zone only; an admin on all.
    zone_steering = router.group(
        auth=Roles("referent", "admin"), errors=[AMBASSADOR_NOT_FOUND, NOT_YOUR_ZONE, SESSION_ENDED]
    )

    @directory.get(
        "/ambassadors",
        summary="Chercher des ambassadeurs",
        description=(
            "Ambassadeurs actifs et sollicitables seulement ; jamais d'e-mail ni de téléphone."
        ),
    )
    async def find_ambassadors(call: Call[None, DirectoryQuery]) -> Page[PublicProfile]:
        """Free text over job, sector, training and background; filters combine."""
        accounts = await accounts_for_open_session(call)
        query = call.query
        page = await listing.find(
            accounts,
            search.DirectoryQuery(
                text=query.q,
                sector=query.sector,
                department=query.department,
                bassin=query.bassin,
                kind=query.kind,
                profile=query.profile,
                online=query.format == "online",
            ),
            limit=query.limit,
            cursor=query.cursor,
        )
        await audit.record_reads(
            accounts, call.user, audit.DIRECTORY_LISTED, [row["_id"] for row in page.items]
        )
        return Page[PublicProfile](
            items=[public_profile(row) for row in page.items], next_cursor=page.next_cursor
        )

    @directory.get(
        "/ambassadors/{id}",
        summary="Profil public d'un ambassadeur",
        errors=[AMBASSADOR_NOT_FOUND],
        description=(
            "Les référents et administrateurs voient aussi les ambassadeurs non sollicitables."
        ),
    )
    async def get_ambassador(call: Call[None, None]) -> AmbassadorView:
        """Staff see listed profiles only; referents and admins also the check state."""
        accounts = accounts_of(call)
        principal = call.user
        await credentials.current_user(accounts, principal)
        ambassador_id = call.path("id")
        row, account = await listing.profile_for(accounts, principal, ambassador_id)
        view = public_profile(row)
        if account is None:
            return AmbassadorView(**view.model_dump())
        await audit.record_read(accounts, principal, audit.AMBASSADOR_PROFILE_READ, ambassador_id)
        state = solicitability(account, require_record_check=accounts.settings.require_record_check)
        part = account["ambassador"]
        return AmbassadorView(
            **view.model_dump(),
            status=account["status"],
            solicitable=state.solicitable,
            not_solicitable_reason=state.reason,
            record=RecordState.model_validate(part.get("record") or {"status": "missing"}),
            suspension=part.get("suspension"),
        )

    @zone_steering.get(
        "/ambassadors/{id}/criminal-record/document",
        summary="Lire l'extrait de casier judiciaire en attente",
        errors=[NO_RECORD_TO_DECIDE],
        description="Réponse application/pdf ; le document est supprimé dès la décision.",
    )
    async def get_record_document(call: Call[None, None]) -> web.Response:
        """For the referent of the zone or an admin, until the decision."""
        return await moderation.record_document(accounts_of(call), call.user, call.path("id"))

    @zone_steering.post(
        "/ambassadors/{id}/criminal-record/decision",
        summary="Décider de l'extrait de casier judiciaire",
        errors=[NO_RECORD_TO_DECIDE],
    )
    async def decide_record(call: Call[RecordDecision, None]) -> RecordState:
        """Only the outcome, its date and the checker are kept."""
        return await moderation.decide_record(
            accounts_of(call), call.user, call.path("id"), call.body
        )

    @zone_steering.post(
        "/ambassadors/{id}/suspension",
        summary="Suspendre un ambassadeur",
        errors=[ALREADY_SUSPENDED],
    )
    async def suspend(call: Call[SuspensionIn, None]) -> Suspension:
        """A suspended ambassador cannot be solicited."""
        return await moderation.suspend(accounts_of(call), call.user, call.path("id"), call.body)

    @zone_steering.delete(
        "/ambassadors/{id}/suspension",
        summary="Lever la suspension d'un ambassadeur",
        errors=[NOT_SUSPENDED],
    )
    async def reinstate(call: Call[None, None]) -> None:
        """The ambassador can be solicited again (if the other rules allow)."""
        await moderation.reinstate(accounts_of(call), call.user, call.path("id"))
