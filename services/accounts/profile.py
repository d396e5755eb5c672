"""Self-service: one's account, profile, address, consents and deletion."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from services.accounts import erasure
from services.accounts.context import Accounts
from services.accounts.credentials import current_user, verify_current_password
from services.accounts.directory import ambassador_changed
from services.accounts.domain.ambassadors import solicitability
from services.accounts.domain.catalog import department_of_postcode
from services.accounts.domain.staff import (
    BY_ACADEMIC_ADDRESS,
    is_academic_address,
    is_verified,
    reference_establishment,
    stored_establishment,
    verification_at_sign_up,
    verification_of,
)
from services.accounts.errors import (
    EMAIL_LINK_EXPIRED,
    EMAIL_TAKEN,
    LINK_INVALID,
    NOT_EDITABLE,
    SAME_EMAIL,
    UNKNOWN_ORGANIZATION,
)
from services.accounts.joining import (
    contact_event,
    open_link,
    referent_event,
    send_link,
    staff_event,
)
from services.accounts.shapes.joining import TerritoryIn, Zone
from services.accounts.shapes.profile import (
    AmbassadorPart,
    Availability,
    ConsentEvent,
    Consents,
    ConsentState,
    ConsentsUpdate,
    EmailChangeRequest,
    Me,
    MeUpdate,
    PartnerPart,
    RecordState,
    ReferentPart,
    Restriction,
    StaffEstablishment,
    StaffPart,
    StaffVerification,
)
from services.accounts.shapes.profile import EmailChanged as NewEmail
from shared.contracts.accounts import EmailChanged, EmailChangeRequested, TokensRevoked
from shared.http import ApiError, Principal
from shared.mongo import Document

# PATCH /me fields each role may change.
_COMMON = {"first_name", "last_name", "phone"}
# Where each ambassador field lives in the user document.
_AMBASSADOR_FIELDS = {
    "postcode",
    "city",
    "job",
    "training",
    "background",
    "interventions",
    "online",
    "zone",
    "organization_id",
    "availability",
}
_EDITABLE: dict[str, set[str]] = {
    "ambassador": _COMMON | _AMBASSADOR_FIELDS,
    "staff": _COMMON | {"position", "establishment"},
    "referent": _COMMON,
    "admin": _COMMON,
    "partner": _COMMON,
}


def me(accounts: Accounts, user: Document) -> Me:
    """One's own account as the API shows it."""
    require_record_check = accounts.settings.require_record_check
    consents = user.get("consents") or {}
    ambassador = None
    if user["role"] == "ambassador":
        part = user["ambassador"]
        state = solicitability(user, require_record_check=require_record_check)
        ambassador = AmbassadorPart.model_validate(
            {
                **part,
                # Stored as null once by a PATCH that let it through: read as empty.
                "background": part.get("background") or "",
                "interventions": part.get("interventions", []),
                "zone": Zone.model_construct(**part["zone"]),
                "availability": Availability.model_construct(**(part.get("availability") or {})),
                "record": RecordState.model_validate(part.get("record") or {"status": "missing"}),
                "solicitable": state.solicitable,
                "not_solicitable_reason": state.reason,
            }
        )
    staff = None
    if user["role"] == "staff":
        verification = verification_of(user, accounts.options.staff_academic_domains)
        staff = StaffPart(
            establishment=StaffEstablishment(**stored_establishment(user["staff"])),
            position=user["staff"]["position"],
            verification=StaffVerification(
                status=verification["status"],
                by_academic_address=verification.get("by") == BY_ACADEMIC_ADDRESS,
                at=verification.get("at") or verification.get("since"),
                reason=verification.get("reason"),
            ),
        )
    referent = None
    if user["role"] == "referent":
        referent = ReferentPart(
            territory=TerritoryIn.model_construct(**user["referent"]["territory"])
        )
    partner = None
    if user["role"] == "partner":
        partner = PartnerPart(organization_id=user["partner"]["organization_id"])
    restriction = user.get("restriction")
    # The account's own fields by name; its consents, role's part and restriction as read here.
    return Me.model_validate(
        {
            **user,
            "id": user["_id"],
            "consents": Consents(
                image_rights=ConsentState.model_validate(
                    consents.get("image_rights") or {"given": False}
                ),
                surveys=ConsentState.model_validate(consents.get("surveys") or {"given": False}),
                history=[
                    ConsentEvent.model_validate(entry) for entry in user.get("consent_history", [])
                ],
            ),
            "ambassador": ambassador,
            "staff": staff,
            "referent": referent,
            "partner": partner,
            "restriction": Restriction.model_validate(restriction) if restriction else None,
        }
    )


async def shown(accounts: Accounts, user: Document) -> Me:
    """``me``, with the name of an ambassador's employer read from its organisation."""
    account = me(accounts, user)
    ambassador = account.ambassador
    if ambassador is not None and ambassador.organization_id is not None:
        organization = await accounts.store.organizations.by_id(ambassador.organization_id)
        ambassador.organization_name = organization["name"] if organization else None
    return account


async def show(accounts: Accounts, principal: Principal) -> Me:
    """GET /me."""
    user = await current_user(accounts, principal)
    return await shown(accounts, user)


def _establishment_change(
    accounts: Accounts, user: Document, given: dict[str, Any]
) -> dict[str, Any]:
    """A move to another establishment is proved again, like a sign-up (an academic
    address, else the referent of the new establishment's zone)."""
    establishment = reference_establishment(
        given["uai"], given["name"], given["city"], given["postcode"]
    )
    updates: dict[str, Any] = {"staff.establishment": establishment}
    if establishment["uai"] != stored_establishment(user["staff"])["uai"]:
        updates["staff.verification"] = verification_at_sign_up(
            user["email"], accounts.options.staff_academic_domains, accounts.now()
        )
    return updates


def _changes(accounts: Accounts, user: Document, body: MeUpdate) -> dict[str, Any]:
    given = body.model_fields_set
    refused = sorted(given - _EDITABLE.get(user["role"], _COMMON))
    if refused:
        raise NOT_EDITABLE.error(
            f"Ce champ ne s'applique pas à votre type de compte : « {refused[0]} ».", fields=refused
        )
    updates: dict[str, Any] = {}
    dumped = body.model_dump(mode="python")
    for name in given:
        value = dumped[name]
        if name in _AMBASSADOR_FIELDS:
            updates[f"ambassador.{name}"] = (
                value if value is not None or name != "availability" else {}
            )
            if name == "postcode":
                updates["ambassador.department"] = department_of_postcode(value)
        elif name == "establishment":
            updates.update(_establishment_change(accounts, user, value))
        elif name == "position":
            updates["staff.position"] = value
        else:
            updates[name] = value
    if user["role"] == "ambassador":
        _check_profile_shape(user, updates)
    return updates


def _check_profile_shape(user: Document, updates: dict[str, Any]) -> None:
    profile = user["ambassador"]["profile"]
    if profile == "professional" and "ambassador.training" in updates:
        raise NOT_EDITABLE.error("Un professionnel décrit son métier (« job »), pas une formation.")
    if profile != "professional" and "ambassador.job" in updates:
        raise NOT_EDITABLE.error(
            "Un étudiant ou un formateur décrit sa formation (« training »), pas un métier."
        )
    if "ambassador.job" in updates and updates["ambassador.job"] is None:
        raise NOT_EDITABLE.error("Le métier d'un professionnel ne peut pas être vidé.")
    if "ambassador.training" in updates and updates["ambassador.training"] is None:
        raise NOT_EDITABLE.error("La formation ne peut pas être vidée.")


async def update(accounts: Accounts, principal: Principal, body: MeUpdate) -> Me:
    """PATCH /me: change the given fields and tell the services that copy them."""
    user = await current_user(accounts, principal)
    updates = _changes(accounts, user, body)
    organization = updates.get("ambassador.organization_id")
    if organization is not None and not await accounts.store.organizations.exists(organization):
        raise UNKNOWN_ORGANIZATION.error()
    if not updates:
        return await shown(accounts, user)
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> Document:
        seen = await accounts.store.users.change_with_before(
            user["_id"], {**updates, "updated_at": accounts.now()}, session=session
        )
        if seen is None:
            raise LINK_INVALID.error()
        before, after = seen
        if contact_event(before) != contact_event(after):
            await accounts.ctx.outbox.add(contact_event(after), session)
        if after["role"] == "ambassador":
            changes.update(await ambassador_changed(accounts, before, after, session))
        elif after["role"] == "staff" and staff_event(before) != staff_event(after):
            await accounts.ctx.outbox.add(staff_event(after), session)
            if staff_event(before).establishment_uai != staff_event(after).establishment_uai:
                # Tokens carry the establishment whose data they open: not the old one.
                revoked = TokensRevoked(
                    user_id=after["_id"], not_before=accounts.now(), reason="scope_changed"
                )
                await accounts.ctx.outbox.add(revoked, session)
        elif after["role"] == "referent" and referent_event(before) != referent_event(after):
            await accounts.ctx.outbox.add(referent_event(after), session)
        return after

    after = await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)
    return await shown(accounts, after)


async def request_email_change(
    accounts: Accounts, principal: Principal, body: EmailChangeRequest, address: str
) -> None:
    """Email a link to the new address and tell the old one.

    When the new address already belongs to an account, the answer is the same and no
    link is sent: the form does not reveal who is registered.
    """
    user = await current_user(accounts, principal)
    await verify_current_password(accounts, user, body.current_password, address)
    if body.new_email == user["email"]:
        raise SAME_EMAIL.error()
    if await accounts.store.users.email_taken(body.new_email):
        return
    await send_email_change_link(accounts, user, body.new_email)


async def send_email_change_link(accounts: Accounts, user: Document, new_email: str) -> None:
    """Email a 12 h link to ``new_email`` and tell the current address (earlier links void)."""
    await send_link(
        accounts,
        user["_id"],
        "email_change",
        accounts.settings.confirmation_ttl_seconds,
        lambda url, expires_at: EmailChangeRequested(
            user_id=user["_id"],
            first_name=user["first_name"],
            old_email=user["email"],
            new_email=new_email,
            confirmation_url=url,
            expires_at=expires_at,
        ),
        stored={"new_email": new_email},
    )


def _proved_by_new_address(
    accounts: Accounts, user: Document, new_email: str
) -> dict[str, Any] | None:
    """A staff member not yet verified who confirms an academic address is verified by it."""
    domains = accounts.options.staff_academic_domains
    if user["role"] != "staff" or is_verified(user, domains):
        return None
    if not is_academic_address(new_email, domains):
        return None
    return {"status": "verified", "by": BY_ACADEMIC_ADDRESS, "at": accounts.now()}


async def confirm_email_change(accounts: Accounts, token: str) -> NewEmail:
    """Follow the link sent to the new address: it becomes the account's."""
    try:
        row = await open_link(accounts, token, "email_change")
    except ApiError as error:
        if error.status == 410 and error.code == "link_expired":
            raise EMAIL_LINK_EXPIRED.error() from None
        raise

    async def work(session: AsyncClientSession) -> str:
        if await accounts.store.links.consume(row["_id"], "email_change", session) is None:
            raise LINK_INVALID.error()
        before = await accounts.store.users.by_id(row["user_id"], session=session)
        if before is None:
            raise LINK_INVALID.error()
        changes: dict[str, Any] = {"email": row["new_email"], "updated_at": accounts.now()}
        proved = _proved_by_new_address(accounts, before, row["new_email"])
        if proved is not None:
            changes["staff.verification"] = proved
        await accounts.store.users.set(before["_id"], changes, session=session)
        if proved is not None:
            # Their next token opens the establishment: the site refreshes it at once.
            revoked = TokensRevoked(
                user_id=before["_id"], not_before=accounts.now(), reason="scope_changed"
            )
            await accounts.ctx.outbox.add(revoked, session)
        await accounts.ctx.outbox.add(contact_event({**before, "email": row["new_email"]}), session)
        await accounts.ctx.outbox.add(
            EmailChanged(
                user_id=before["_id"],
                first_name=before["first_name"],
                old_email=before["email"],
                new_email=row["new_email"],
            ),
            session,
        )
        return str(row["new_email"])

    try:
        email = await accounts.ctx.transaction(work)
    except DuplicateKeyError:
        raise EMAIL_TAKEN.error() from None
    return NewEmail(email=email)


async def set_consents(accounts: Accounts, principal: Principal, body: ConsentsUpdate) -> Me:
    """PUT /me/consents: record each change with its date (withdrawal included)."""
    user = await current_user(accounts, principal)
    now = accounts.now()
    current = user.get("consents") or {}
    sets: dict[str, Any] = {}
    history: list[dict[str, Any]] = []
    for name, given in (("image_rights", body.image_rights), ("surveys", body.surveys)):
        if (current.get(name) or {}).get("given") != given:
            sets[f"consents.{name}"] = {"given": given, "at": now}
            history.append({"consent": name, "given": given, "at": now})
    if sets:
        user = (
            await accounts.store.users.change(
                user["_id"], {**sets, "updated_at": now}, push={"consent_history": history}
            )
            or user
        )
    return await shown(accounts, user)


async def delete(accounts: Accounts, principal: Principal) -> None:
    """DELETE /me: erase the account here and tell every service to erase theirs."""
    user = await current_user(accounts, principal)
    await erasure.delete(accounts, user, reason="request")
