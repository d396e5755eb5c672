"""HTTP routes of accounts (``/api/accounts``): thin handlers over the use cases."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.accounts import (
    audit,
    credentials,
    emailed_links,
    joining,
    moderation,
    partners,
    profile,
)
from services.accounts import directory as listing
from services.accounts.api.directory_models import AmbassadorView, DirectoryQuery, PublicProfile
from services.accounts.api.joining_models import (
    Charter,
    LinkAndPassword,
    LinkOnly,
    Place,
    Places,
    Registered,
    ResetRequest,
    Sector,
)
from services.accounts.api.partnership_models import OrganizationQuery
from services.accounts.api.partnership_routes import add_partnership_routes
from services.accounts.api.privacy_routes import add_privacy_routes
from services.accounts.api.reference_routes import add_reference_routes
from services.accounts.api.resources import accounts_of
from services.accounts.api.session_models import Activated, Credentials, RefreshRequest
from services.accounts.api.steering_routes import add_steering_routes
from services.accounts.domain import search
from services.accounts.domain.access import DIRECTORY_ROLES, sees_private_state
from services.accounts.domain.ambassadors import solicitability
from services.accounts.domain.catalog import (
    current_charter,
    department_of_postcode,
    region,
    sectors,
)
from services.accounts.domain.identity import initial
from services.accounts.errors import (
    ALREADY_SUSPENDED,
    AMBASSADOR_NOT_FOUND,
    CHARTER_NOT_ACCEPTED,
    CHARTER_OUTDATED,
    DOCUMENT_MISSING,
    DOCUMENT_TOO_LARGE,
    EMAIL_LINK_EXPIRED,
    EMAIL_TAKEN,
    INVALID_CREDENTIALS,
    LINK_EXPIRED,
    LINK_INVALID,
    LINK_NOT_FOUND,
    NO_RECORD_TO_DECIDE,
    NOT_A_PDF,
    NOT_EDITABLE,
    NOT_SUSPENDED,
    NOT_YOUR_ZONE,
    ORGANIZATION_NOT_FOUND,
    RECORD_ALREADY_VERIFIED,
    REFRESH_INVALID,
    SAME_EMAIL,
    SESSION_ENDED,
    SIRET_TAKEN,
    TOO_MANY_ATTEMPTS,
    TOO_MANY_REQUESTS,
    UNKNOWN_ORGANIZATION,
    USER_NOT_FOUND,
    WEAK_PASSWORD,
    WRONG_PASSWORD,
)
from services.accounts.moderation import MULTIPART_OVERHEAD
from services.accounts.shapes.joining import (
    AmbassadorSignUp,
    ReferentIn,
    StaffSignUp,
    TerritoryIn,
    Zone,
)
from services.accounts.shapes.moderation import RecordDecision, RecordSubmitted, SuspensionIn
from services.accounts.shapes.partners import Organization, OrganizationIn, OrganizationSummary
from services.accounts.shapes.profile import (
    ConsentsUpdate,
    EmailChanged,
    EmailChangeRequest,
    Me,
    MeUpdate,
    RecordState,
    ReferentPart,
    Suspension,
)
from services.accounts.shapes.sessions import LinkStatus, PasswordChange, SessionTokens
from services.accounts.throttling import address_of, limit_requests
from shared.http import Authenticated, Call, Page, PageQuery, Roles, Router
from shared.mongo import Document


def build_router() -> Router:
    """The accounts routes on a new ``Router`` (one per application: the shared runtime
    adds ``/health`` to the router it is given)."""
    router = Router(
        "accounts",
        title="Proch'Orientation — comptes",
        version="1",
        description=(
            "Inscription, connexion, profils, annuaire des ambassadeurs, référents et partenaires."
        ),
    )
    add_joining_routes(router)
    add_session_routes(router)
    add_self_service_routes(router)
    add_directory_routes(router)
    add_organization_routes(router)
    add_partnership_routes(router)
    add_privacy_routes(router)
    add_steering_routes(router)
    add_reference_routes(router)
    return router


RECORD_UPLOAD_LIMIT = 5 * 1024 * 1024 + MULTIPART_OVERHEAD


# --- joining -----------------------------------------------------------------------


async def get_charter(call: Call[None, None]) -> Charter:
    """The current charter: its version is sent back with the sign-up."""
    charter = current_charter()
    return Charter(version=charter.version, title=charter.title, text=charter.text)


async def get_sectors(call: Call[None, None]) -> list[Sector]:
    """Sectors a professional chooses from, and the directory filters on."""
    return [Sector(slug=slug, name=name) for slug, name in sectors().items()]


async def get_territory(call: Call[None, None]) -> Places:
    """The places a zone or a territory is made of."""
    places = region()
    return Places(
        departments=[Place(code=code, name=name) for code, name in places.departments.items()],
        bassins=[
            Place(code=slug, name=bassin.name, department=bassin.department)
            for slug, bassin in places.bassins.items()
        ],
    )


async def _signup_allowed(call: Call[Any, Any]) -> None:
    accounts = accounts_of(call)
    allowed = accounts.options.signup_requests_per_address
    await limit_requests(
        accounts,
        action="signup",
        keys={f"address:{address_of(accounts, call.request)}": allowed},
        window_seconds=3_600,
    )


async def sign_up_ambassador(call: Call[AmbassadorSignUp, None]) -> Registered:
    """Join as an ambassador; a 12 h confirmation link is emailed."""
    await _signup_allowed(call)
    return Registered(id=await joining.sign_up_ambassador(accounts_of(call), call.body))


async def sign_up_staff(call: Call[StaffSignUp, None]) -> Registered:
    """Join as a member of an educational team; a 12 h confirmation link is emailed."""
    await _signup_allowed(call)
    return Registered(id=await joining.sign_up_staff(accounts_of(call), call.body))


async def confirm(call: Call[LinkAndPassword, None]) -> Activated:
    """Follow the confirmation link: the account is active and its first session open."""
    accounts = accounts_of(call)
    user = await joining.confirm(accounts, call.body.token, call.body.password)
    tokens = await credentials.open_session(accounts, user)
    return Activated(**tokens.model_dump(), id=user["_id"], role=user["role"])


async def link_status(call: Call[LinkOnly, None]) -> LinkStatus:
    """What a link is for, and whether it still works (the page says so before any form)."""
    return await emailed_links.link_status(accounts_of(call), call.body.token)


async def renew_link(call: Call[LinkOnly, None]) -> web.Response:
    """A fresh link of the same purpose goes to the same address."""
    accounts = accounts_of(call)
    await emailed_links.renew_link(accounts, call.body.token, address_of(accounts, call.request))
    return web.json_response({"status": "accepted"}, status=202)


async def create_referent(call: Call[ReferentIn, None]) -> Registered:
    """An admin creates a referent, who chooses a password from the emailed link."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
    return Registered(id=await joining.create_referent(accounts, call.body))


async def change_territory(call: Call[TerritoryIn, None]) -> ReferentPart:
    """The referent's next access token carries the new territory."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
    user = await joining.change_territory(accounts, call.path("id"), call.body)
    if user is None:
        raise USER_NOT_FOUND.error()
    return ReferentPart(territory=call.body)


# --- passwords and sessions --------------------------------------------------------


async def request_reset(call: Call[ResetRequest, None]) -> web.Response:
    """A 5-minute link is emailed if the address has an account."""
    accounts = accounts_of(call)
    await credentials.request_reset(accounts, call.body.email, address_of(accounts, call.request))
    return web.json_response({"status": "accepted"}, status=202)


async def reset_password(call: Call[LinkAndPassword, None]) -> None:
    """Sets the password, activates a never-confirmed account, ends every session."""
    await credentials.reset_password(accounts_of(call), call.body.token, call.body.password)


async def sign_in(call: Call[Credentials, None]) -> SessionTokens:
    """Same 401 for an unknown address and a wrong password; 429 after repeated failures."""
    accounts = accounts_of(call)
    return await credentials.sign_in(
        accounts, call.body.email, call.body.password, address_of(accounts, call.request)
    )


async def refresh(call: Call[RefreshRequest, None]) -> SessionTokens:
    """The refresh token is single-use: a reused one ends the session."""
    return await credentials.refresh(accounts_of(call), call.body.refresh_token)


async def sign_out(call: Call[None, None]) -> None:
    """Ends the session; the access token expires on its own shortly after."""
    await credentials.sign_out(accounts_of(call), call.user)


async def change_password(call: Call[PasswordChange, None]) -> None:
    """The current password is asked; the other sessions end; an email tells the user."""
    accounts = accounts_of(call)
    await credentials.change_password(
        accounts, call.user, call.body, address_of(accounts, call.request)
    )


# --- self-service ------------------------------------------------------------------


async def get_me(call: Call[None, None]) -> Me:
    """One's own account and profile."""
    return await profile.show(accounts_of(call), call.user)


async def patch_me(call: Call[MeUpdate, None]) -> Me:
    """Only the fields given change; ambassadors' public fields reach the other services."""
    return await profile.update(accounts_of(call), call.user, call.body)


async def request_email_change(call: Call[EmailChangeRequest, None]) -> web.Response:
    """A 12 h link goes to the new address; the old one is told."""
    accounts = accounts_of(call)
    await profile.request_email_change(
        accounts, call.user, call.body, address_of(accounts, call.request)
    )
    return web.json_response({"status": "accepted"}, status=202)


async def confirm_email_change(call: Call[LinkOnly, None]) -> EmailChanged:
    """The new address becomes the account's."""
    return await profile.confirm_email_change(accounts_of(call), call.body.token)


async def put_consents(call: Call[ConsentsUpdate, None]) -> Me:
    """Each change is dated; the history is kept."""
    return await profile.set_consents(accounts_of(call), call.user, call.body)


async def delete_me(call: Call[None, None]) -> None:
    """Erases the account; every service erases what it holds (accounts.user.deleted)."""
    await profile.delete(accounts_of(call), call.user)


async def submit_record(call: Call[None, None]) -> RecordSubmitted:
    """A referent of the ambassador's zone will check it."""
    return await moderation.submit_record(accounts_of(call), call.user, call.request)


# --- directory ---------------------------------------------------------------------


def public_profile(row: Document) -> PublicProfile:
    """A directory document as the API shows it."""
    sector = row.get("sector")
    return PublicProfile(
        id=row["_id"],
        first_name=row["first_name"],
        last_initial=row["last_initial"],
        profile=row["profile"],
        job_title=row.get("job_title"),
        sector=sector,
        sector_name=sectors().get(sector) if sector else None,
        employer=row.get("employer"),
        organization_id=row.get("organization_id"),
        training=row.get("training"),
        background=row.get("background") or "",
        interventions=row.get("interventions", []),
        online=row.get("online", False),
        zone=Zone.model_construct(**row["zone"]),
        department=row["department"],
        city=row["city"],
        pause_from=row.get("pause_from"),
        pause_to=row.get("pause_to"),
    )


async def find_ambassadors(call: Call[None, DirectoryQuery]) -> Page[PublicProfile]:
    """Free text over job, sector, training and background; filters combine."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
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


async def get_ambassador(call: Call[None, None]) -> AmbassadorView:
    """Staff see listed profiles only; referents and admins also the check state."""
    accounts = accounts_of(call)
    principal = call.user
    await credentials.current_user(accounts, principal)
    ambassador_id = call.path("id")
    if not sees_private_state(principal):
        row = await listing.listed(accounts, ambassador_id)
        if row is None:
            raise AMBASSADOR_NOT_FOUND.error()
        return AmbassadorView(**public_profile(row).model_dump())
    user = await accounts.store.users.by_id(ambassador_id, role="ambassador")
    if user is None:
        raise AMBASSADOR_NOT_FOUND.error()
    await audit.record_read(accounts, principal, audit.AMBASSADOR_PROFILE_READ, ambassador_id)
    view = public_profile(_as_listing(user))
    state = solicitability(user, require_record_check=accounts.settings.require_record_check)
    part = user["ambassador"]
    return AmbassadorView(
        **view.model_dump(),
        status=user["status"],
        solicitable=state.solicitable,
        not_solicitable_reason=state.reason,
        record=RecordState.model_validate(part.get("record") or {"status": "missing"}),
        suspension=part.get("suspension"),
    )


def _as_listing(user: Document) -> Document:
    part = user["ambassador"]
    job = part.get("job") or {}
    availability = part.get("availability") or {}
    return {
        "_id": user["_id"],
        "first_name": user["first_name"],
        "last_initial": initial(user["last_name"]),
        "profile": part["profile"],
        "job_title": job.get("title"),
        "sector": job.get("sector"),
        "employer": job.get("employer"),
        "organization_id": part.get("organization_id"),
        "training": part.get("training"),
        "background": part.get("background", ""),
        "interventions": part.get("interventions", []),
        "online": part.get("online", False),
        "zone": part["zone"],
        "department": department_of_postcode(part["postcode"]),
        "city": part["city"],
        "pause_from": availability.get("pause_from"),
        "pause_to": availability.get("pause_to"),
    }


async def get_record_document(call: Call[None, None]) -> web.Response:
    """For the referent of the zone or an admin, until the decision."""
    return await moderation.record_document(accounts_of(call), call.user, call.path("id"))


async def decide_record(call: Call[RecordDecision, None]) -> RecordState:
    """Only the outcome, its date and the checker are kept."""
    return await moderation.decide_record(accounts_of(call), call.user, call.path("id"), call.body)


async def suspend(call: Call[SuspensionIn, None]) -> Suspension:
    """A suspended ambassador cannot be solicited."""
    return await moderation.suspend(accounts_of(call), call.user, call.path("id"), call.body)


async def reinstate(call: Call[None, None]) -> None:
    """The ambassador can be solicited again (if the other rules allow)."""
    await moderation.reinstate(accounts_of(call), call.user, call.path("id"))


# --- partners ----------------------------------------------------------------------


async def create_organization(call: Call[OrganizationIn, None]) -> Organization:
    """Partnership charter and sponsorship convention fields."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
    return await partners.create(accounts, call.body, call.user.user_id)


async def find_organizations(
    call: Call[None, OrganizationQuery],
) -> Page[OrganizationSummary]:
    """By name prefix, accents and case ignored."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
    page = PageQuery(limit=call.query.limit, cursor=call.query.cursor)
    return await partners.find(accounts, call.query.q, page)


async def get_organization(call: Call[None, None]) -> Organization:
    """With its sponsorship convention."""
    accounts = accounts_of(call)
    await credentials.current_user(accounts, call.user)
    return await partners.get(accounts, call.path("id"))


def add_joining_routes(router: Router) -> None:
    """Declare the joining routes on ``router``."""
    router.get("/charter", summary="Charte de l'ambassadeur en vigueur", response=Charter)(
        get_charter
    )
    router.get("/sectors", summary="Secteurs professionnels", response=list[Sector])(get_sectors)
    router.get(
        "/territory", summary="Départements et bassins des Hauts-de-France", response=Places
    )(get_territory)
    router.post(
        "/ambassadors",
        summary="Inscription d'un ambassadeur",
        body=AmbassadorSignUp,
        response=Registered,
        status=201,
        errors=[CHARTER_NOT_ACCEPTED, CHARTER_OUTDATED, TOO_MANY_REQUESTS],
        description="Même réponse si l'adresse est déjà inscrite : rien n'indique qui est inscrit.",
    )(sign_up_ambassador)
    router.post(
        "/staff",
        summary="Inscription d'un membre d'équipe éducative",
        body=StaffSignUp,
        response=Registered,
        status=201,
        errors=[TOO_MANY_REQUESTS],
    )(sign_up_staff)
    router.post(
        "/confirmations",
        summary="Activer son compte et choisir son mot de passe",
        body=LinkAndPassword,
        response=Activated,
        errors=[LINK_EXPIRED, LINK_INVALID, WEAK_PASSWORD],
    )(confirm)
    router.post(
        "/links/status",
        summary="Où en est un lien reçu par e-mail",
        body=LinkOnly,
        response=LinkStatus,
        errors=[LINK_NOT_FOUND],
        description="Le jeton voyage dans le corps, jamais dans l'adresse. 404 pour un lien "
        "inconnu ou déjà utilisé ; un lien expiré reste connu un jour après son expiration.",
    )(link_status)
    router.post(
        "/links/renewal",
        summary="Recevoir un nouveau lien à la place d'un lien expiré",
        body=LinkOnly,
        status=202,
        errors=[TOO_MANY_REQUESTS],
        description="Envoie par e-mail un nouveau lien du même usage (les précédents ne "
        "fonctionnent plus). Répond 202 quel que soit le lien : rien n'indique s'il existe.",
    )(renew_link)
    router.post(
        "/referents",
        summary="Créer un référent territorial",
        body=ReferentIn,
        response=Registered,
        status=201,
        auth=Roles("admin"),
        errors=[EMAIL_TAKEN],
    )(create_referent)
    router.put(
        "/referents/{id}/territory",
        summary="Changer le territoire d'un référent",
        body=TerritoryIn,
        response=ReferentPart,
        auth=Roles("admin"),
        errors=[USER_NOT_FOUND],
    )(change_territory)


def add_session_routes(router: Router) -> None:
    """Declare the session routes on ``router``."""
    router.post(
        "/password-resets",
        summary="Mot de passe perdu : recevoir un lien",
        body=ResetRequest,
        status=202,
        errors=[TOO_MANY_REQUESTS],
        description="Répond 202 que l'adresse soit inscrite ou non.",
    )(request_reset)
    router.post(
        "/password-resets/confirm",
        summary="Choisir un nouveau mot de passe depuis le lien",
        body=LinkAndPassword,
        status=204,
        errors=[LINK_EXPIRED, LINK_INVALID, WEAK_PASSWORD],
    )(reset_password)
    router.post(
        "/sessions",
        summary="Se connecter",
        body=Credentials,
        response=SessionTokens,
        errors=[INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS],
    )(sign_in)
    router.post(
        "/sessions/refresh",
        summary="Renouveler les jetons",
        body=RefreshRequest,
        response=SessionTokens,
        errors=[REFRESH_INVALID],
    )(refresh)
    router.delete("/sessions/current", summary="Se déconnecter", status=204, auth=Authenticated())(
        sign_out
    )
    router.post(
        "/me/password",
        summary="Changer son mot de passe",
        body=PasswordChange,
        status=204,
        auth=Authenticated(),
        errors=[WRONG_PASSWORD, WEAK_PASSWORD, TOO_MANY_ATTEMPTS, SESSION_ENDED],
    )(change_password)


def add_self_service_routes(router: Router) -> None:
    """Declare the self service routes on ``router``."""
    router.get(
        "/me", summary="Mon compte", response=Me, auth=Authenticated(), errors=[SESSION_ENDED]
    )(get_me)
    router.patch(
        "/me",
        summary="Modifier mon compte",
        body=MeUpdate,
        response=Me,
        auth=Authenticated(),
        errors=[NOT_EDITABLE, UNKNOWN_ORGANIZATION, SESSION_ENDED],
    )(patch_me)
    router.post(
        "/me/email",
        summary="Changer d'adresse e-mail",
        body=EmailChangeRequest,
        status=202,
        auth=Authenticated(),
        errors=[WRONG_PASSWORD, SAME_EMAIL, TOO_MANY_ATTEMPTS, SESSION_ENDED],
    )(request_email_change)
    router.post(
        "/email-changes/confirm",
        summary="Confirmer la nouvelle adresse",
        body=LinkOnly,
        response=EmailChanged,
        errors=[EMAIL_LINK_EXPIRED, LINK_INVALID, EMAIL_TAKEN],
    )(confirm_email_change)
    router.put(
        "/me/consents",
        summary="Donner ou retirer mes consentements",
        body=ConsentsUpdate,
        response=Me,
        auth=Authenticated(),
        errors=[SESSION_ENDED],
    )(put_consents)
    router.delete(
        "/me",
        summary="Supprimer mon compte",
        status=204,
        auth=Authenticated(),
        errors=[SESSION_ENDED],
    )(delete_me)
    router.post(
        "/me/criminal-record",
        summary="Envoyer mon extrait de casier judiciaire (PDF, 5 Mo au plus)",
        response=RecordSubmitted,
        status=202,
        auth=Roles("ambassador"),
        max_body_bytes=RECORD_UPLOAD_LIMIT,
        errors=[
            NOT_A_PDF,
            DOCUMENT_TOO_LARGE,
            DOCUMENT_MISSING,
            RECORD_ALREADY_VERIFIED,
            SESSION_ENDED,
        ],
        description="Corps multipart/form-data avec le fichier dans le champ « document ».",
    )(submit_record)


def add_directory_routes(router: Router) -> None:
    """Declare the directory routes on ``router``."""
    router.get(
        "/ambassadors",
        summary="Chercher des ambassadeurs",
        query=DirectoryQuery,
        response=Page[PublicProfile],
        auth=Roles(*DIRECTORY_ROLES),
        errors=[SESSION_ENDED],
        description=(
            "Ambassadeurs actifs et sollicitables seulement ; jamais d'e-mail ni de téléphone."
        ),
    )(find_ambassadors)
    router.get(
        "/ambassadors/{id}",
        summary="Profil public d'un ambassadeur",
        response=AmbassadorView,
        auth=Roles(*DIRECTORY_ROLES),
        errors=[AMBASSADOR_NOT_FOUND, SESSION_ENDED],
        description=(
            "Les référents et administrateurs voient aussi les ambassadeurs non sollicitables."
        ),
    )(get_ambassador)
    router.get(
        "/ambassadors/{id}/criminal-record/document",
        summary="Lire l'extrait de casier judiciaire en attente",
        auth=Roles("referent", "admin"),
        errors=[AMBASSADOR_NOT_FOUND, NOT_YOUR_ZONE, NO_RECORD_TO_DECIDE, SESSION_ENDED],
        description="Réponse application/pdf ; le document est supprimé dès la décision.",
    )(get_record_document)
    router.post(
        "/ambassadors/{id}/criminal-record/decision",
        summary="Décider de l'extrait de casier judiciaire",
        body=RecordDecision,
        response=RecordState,
        auth=Roles("referent", "admin"),
        errors=[AMBASSADOR_NOT_FOUND, NOT_YOUR_ZONE, NO_RECORD_TO_DECIDE, SESSION_ENDED],
    )(decide_record)
    router.post(
        "/ambassadors/{id}/suspension",
        summary="Suspendre un ambassadeur",
        body=SuspensionIn,
        response=Suspension,
        auth=Roles("referent", "admin"),
        errors=[AMBASSADOR_NOT_FOUND, NOT_YOUR_ZONE, ALREADY_SUSPENDED, SESSION_ENDED],
    )(suspend)
    router.delete(
        "/ambassadors/{id}/suspension",
        summary="Lever la suspension d'un ambassadeur",
        status=204,
        auth=Roles("referent", "admin"),
        errors=[AMBASSADOR_NOT_FOUND, NOT_YOUR_ZONE, NOT_SUSPENDED, SESSION_ENDED],
    )(reinstate)


def add_organization_routes(router: Router) -> None:
    """Declare the organization routes on ``router``."""
    router.post(
        "/organizations",
        summary="Enregistrer une organisation partenaire",
        body=OrganizationIn,
        response=Organization,
        status=201,
        auth=Roles("admin", "referent"),
        errors=[SIRET_TAKEN, SESSION_ENDED],
    )(create_organization)
    router.get(
        "/organizations",
        summary="Chercher une organisation par son nom",
        query=OrganizationQuery,
        response=Page[OrganizationSummary],
        auth=Roles("ambassador", "staff", "referent", "admin"),
        errors=[SESSION_ENDED],
        description="Un ambassadeur y trouve son employeur pour s'y rattacher (PATCH /me).",
    )(find_organizations)
    router.get(
        "/organizations/{id}",
        summary="Une organisation partenaire",
        response=Organization,
        auth=Roles("admin", "referent"),
        errors=[ORGANIZATION_NOT_FOUND, SESSION_ENDED],
    )(get_organization)
