"""Joining: sign-ups, the confirmation link, referents created by an admin, the admin.

A sign-up with an address that already has an **active** account answers exactly like
a new one (201 with an id) and changes nothing: nobody learns from the sign-up form
whether an address is registered. The owner can always use « mot de passe perdu ».
A sign-up with an address whose account was **never confirmed** replaces it (new id,
new link, older links void): only the owner of the mailbox can confirm it anyway,
and someone who lost their first email simply signs up again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from services.accounts.context import Accounts
from services.accounts.directory import ambassador_changed
from services.accounts.domain.account_holder import account_holder_in_role
from services.accounts.domain.catalog import current_charter, department_of_postcode
from services.accounts.domain.identity import initial, normalise_email
from services.accounts.domain.links import LinkPurpose, LinkToken, hash_token, is_expired
from services.accounts.domain.passwords import password_problem, personal_words
from services.accounts.domain.staff import (
    reference_establishment,
    stored_establishment,
    verification_at_sign_up,
)
from services.accounts.errors import (
    CHARTER_NOT_ACCEPTED,
    CHARTER_OUTDATED,
    EMAIL_TAKEN,
    LINK_EXPIRED,
    LINK_INVALID,
    WEAK_PASSWORD,
)
from services.accounts.shapes.joining import (
    AmbassadorSignUp,
    ConsentsIn,
    ReferentIn,
    StaffSignUp,
    TerritoryIn,
)
from services.accounts.shapes.partners import PartnerContactIn
from shared.contracts.accounts import (
    ConfirmationLinkRenewed,
    ContactChanged,
    ReferentChanged,
    StaffProfileChanged,
    Territory,
    TokensRevoked,
    UserActivated,
    UserRegistered,
)
from shared.events import Event
from shared.mongo import Document

log = logging.getLogger("services.accounts.joining")
T = TypeVar("T")


def new_account(
    user_id: str,
    role: str,
    now: datetime,
    *,
    email: str,
    first_name: str,
    last_name: str,
    phone: str | None = None,
    consents: ConsentsIn,
    noted: bool,
) -> Document:
    """The document of a new account, to be confirmed (no password yet), with its
    consents; ``noted`` starts their history with them (a sign-up's choice)."""
    state = {
        "image_rights": {"given": consents.image_rights, "at": now},
        "surveys": {"given": consents.surveys, "at": now},
    }
    return {
        "_id": user_id,
        "role": role,
        "status": "pending_confirmation",
        "email": email,
        "password_hash": None,
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "created_at": now,
        "updated_at": now,
        "activated_at": None,
        "last_seen_at": now,
        "consents": state,
        "consent_history": (
            [{"consent": name, **given} for name, given in state.items()] if noted else []
        ),
    }


def _base_user(accounts: Accounts, role: str, body: Any, user_id: str) -> Document:
    return new_account(
        user_id,
        role,
        accounts.now(),
        email=body.email,
        first_name=body.first_name,
        last_name=body.last_name,
        phone=body.phone,
        consents=getattr(body, "consents", None) or ConsentsIn(),
        noted=True,
    )


async def sign_up_ambassador(accounts: Accounts, body: AmbassadorSignUp) -> str:
    """Create a pending ambassador and email the confirmation link; returns the id."""
    charter = current_charter()
    if not body.charter_accepted:
        raise CHARTER_NOT_ACCEPTED.error()
    if body.charter_version != charter.version:
        raise CHARTER_OUTDATED.error(current_version=charter.version)
    user_id = accounts.new_id()
    user = _base_user(accounts, "ambassador", body, user_id)
    user["ambassador"] = {
        "profile": body.profile,
        "postcode": body.postcode,
        "city": body.city,
        "department": department_of_postcode(body.postcode),
        "job": body.job.model_dump() if body.profile == "professional" and body.job else None,
        "training": body.training.model_dump()
        if body.profile != "professional" and body.training
        else None,
        "background": body.background.strip(),
        "interventions": list(body.interventions),
        "online": body.online,
        "zone": body.zone.model_dump(),
        "organization_id": None,
        "availability": {},
        "record": {"status": "missing"},
        "suspension": None,
        "revision": 0,
    }
    user["charter_version"] = charter.version
    acceptance = {
        "_id": accounts.new_id(),
        "user_id": user_id,
        "version": charter.version,
        "accepted_at": user["created_at"],
    }
    return await _register(accounts, user, acceptance)


async def sign_up_staff(accounts: Accounts, body: StaffSignUp) -> str:
    """Create a pending educational-team member and email the link; returns the id."""
    user_id = accounts.new_id()
    user = _base_user(accounts, "staff", body, user_id)
    given = body.establishment
    user["staff"] = {
        "establishment": reference_establishment(given.uai, given.name, given.city, given.postcode),
        "position": body.position,
        "verification": verification_at_sign_up(
            body.email, accounts.options.staff_academic_domains, user["created_at"]
        ),
    }
    return await _register(accounts, user, None)


async def create_referent(accounts: Accounts, body: ReferentIn) -> str:
    """An admin creates a referent; the referent sets a password from the emailed link.

    Unlike a public sign-up, an admin learns that an address is taken (409).
    """
    user_id = accounts.new_id()
    user = _base_user(accounts, "referent", body, user_id)
    user["referent"] = {"territory": body.territory.model_dump()}
    return await _register(accounts, user, None, reveal_conflict=True)


async def create_partner_contact(
    accounts: Accounts, organization_id: str, body: PartnerContactIn
) -> str:
    """An admin or referent names the contact of a partner organization.

    The contact chooses a password from the emailed 12 h link; their access token then
    carries the organization, whose report is all they may read.
    """
    user_id = accounts.new_id()
    user = _base_user(accounts, "partner", body, user_id)
    user["partner"] = {"organization_id": organization_id}
    return await _register(accounts, user, None, reveal_conflict=True)


async def _register(
    accounts: Accounts,
    user: Document,
    acceptance: Document | None,
    *,
    reveal_conflict: bool = False,
) -> str:
    settings = accounts.settings
    link = LinkToken.issue(
        "confirmation", now=user["created_at"], ttl_seconds=settings.confirmation_ttl_seconds
    )
    store = accounts.store

    async def work(session: AsyncClientSession) -> None:
        existing = await store.users.by_email(user["email"], fields={"status": 1}, session=session)
        if existing is not None:
            if existing["status"] != "pending_confirmation" or reveal_conflict:
                raise DuplicateKeyError("email taken")
            await _erase_pending(accounts, existing["_id"], session)
        await store.users.insert(user, session)
        if acceptance is not None:
            await store.charter_acceptances.add(acceptance, session)
        await store.links.add(link_row(link, user["_id"], user["created_at"]), session)
        await accounts.ctx.outbox.add(
            UserRegistered(
                **account_holder_in_role(user),
                last_name=user["last_name"],
                confirmation_url=link.url(settings.public_url),
                expires_at=link.expires_at,
            ),
            session,
        )

    try:
        await accounts.ctx.transaction(work)
    except DuplicateKeyError:
        if reveal_conflict:
            raise EMAIL_TAKEN.error() from None
        # Same answer as a new sign-up, with an id that exists nowhere.
        log.info("sign-up with an address already in use; nothing changed")
        return accounts.new_id()
    return str(user["_id"])


async def resend_confirmation(accounts: Accounts, user: Document) -> None:
    """Email a new 12 h confirmation link to an account still to confirm.

    The earlier links stop working; nothing else of the sign-up is done again.
    """

    async def still_pending(session: AsyncClientSession) -> bool:
        # Confirmed (or replaced) meanwhile: no link to send.
        found = await accounts.store.users.by_id(
            user["_id"],
            where={"status": "pending_confirmation"},
            fields={"_id": 1},
            session=session,
        )
        return found is not None

    await send_link(
        accounts,
        user["_id"],
        "confirmation",
        accounts.settings.confirmation_ttl_seconds,
        lambda url, expires_at: ConfirmationLinkRenewed(
            **account_holder_in_role(user), confirmation_url=url, expires_at=expires_at
        ),
        wanted=still_pending,
    )


async def _erase_pending(accounts: Accounts, user_id: str, session: AsyncClientSession) -> None:
    store = accounts.store
    await store.users.delete_pending(user_id, session)
    await store.links.void(user_id, None, session)
    await store.charter_acceptances.forget_user(user_id, session)


def link_row(link: LinkToken, user_id: str, now: datetime, **extra: Any) -> Document:
    """The stored form of a link: the token's hash, never the token."""
    return {
        "_id": link.token_hash,
        "purpose": link.purpose,
        "user_id": user_id,
        "expires_at": link.expires_at,
        "created_at": now,
        **extra,
    }


# The event whose email carries a new link, from the link's address and expiry.
LinkEmail = Callable[[str, datetime], Event]


async def send_link(
    accounts: Accounts,
    user_id: str,
    purpose: LinkPurpose,
    ttl_seconds: int,
    email: LinkEmail,
    *,
    stored: Mapping[str, Any] | None = None,
    wanted: Callable[[AsyncClientSession], Awaitable[bool]] | None = None,
) -> None:
    """Email ``user_id`` a new link of ``purpose``; the earlier ones stop working.

    One transaction replaces the stored link (with the ``stored`` fields) and puts the
    email's event in the outbox, unless ``wanted``, read in it, says the link is no
    longer needed.
    """
    now = accounts.now()
    link = LinkToken.issue(purpose, now=now, ttl_seconds=ttl_seconds)

    async def work(session: AsyncClientSession) -> None:
        if wanted is not None and not await wanted(session):
            return
        row = link_row(link, user_id, now, **(stored or {}))
        await accounts.store.links.replace(user_id, purpose, row, session)
        event = email(link.url(accounts.settings.public_url), link.expires_at)
        await accounts.ctx.outbox.add(event, session)

    await accounts.ctx.transaction(work)


async def open_link(accounts: Accounts, token: str, purpose: str) -> Document:
    """The row of a link still usable: 410 ``link_invalid`` or ``link_expired`` otherwise."""
    row = await accounts.store.links.by_hash(hash_token(token), purpose)
    if row is None:
        raise LINK_INVALID.error()
    if is_expired(row["expires_at"], accounts.now()):
        raise LINK_EXPIRED.error()
    return row


async def check_new_password(user: Document, password: str) -> None:
    """422 ``weak_password`` with what is wrong, per the policy."""
    problem = password_problem(
        password, personal=personal_words(user["email"], user["first_name"], user["last_name"])
    )
    if problem:
        raise WEAK_PASSWORD.error(problem)


# What a link-to-password flow does with the account, once the link is consumed (in the
# same transaction): its result, and the directory's key-frequency changes.
PasswordStep = Callable[[str, str, AsyncClientSession], Awaitable[tuple[T, Mapping[str, int]]]]


async def password_from_link(
    accounts: Accounts, token: str, password: str, purpose: str, step: PasswordStep[T]
) -> tuple[Document, T]:
    """The one way from an emailed link to a password (confirmation, lost password).

    The link and the new password are checked before the link is consumed, so a
    refused password does not burn it; then one transaction consumes the link and
    runs ``step`` with the account's id and the password's hash. Returns the account
    as read before, and what ``step`` returned.
    """
    row = await open_link(accounts, token, purpose)
    user = await accounts.store.users.by_id(row["user_id"])
    if user is None:
        raise LINK_INVALID.error()
    await check_new_password(user, password)
    password_hash = await accounts.passwords.hash(password)
    changes: dict[str, int] = {}

    async def work(session: AsyncClientSession) -> T:
        changes.clear()  # a retried transaction starts over
        if await accounts.store.links.consume(row["_id"], purpose, session) is None:
            raise LINK_INVALID.error()  # used meanwhile by a concurrent request
        result, frequencies = await step(row["user_id"], password_hash, session)
        changes.update(frequencies)
        return result

    result = await accounts.ctx.transaction(work)
    await accounts.store.directory.apply_frequency_changes(changes)
    return user, result


async def confirm(accounts: Accounts, token: str, password: str) -> Document:
    """Follow the confirmation link: set the password and activate the account."""

    async def activate_now(
        user_id: str, password_hash: str, session: AsyncClientSession
    ) -> tuple[Document, Mapping[str, int]]:
        activated = await activate(accounts, user_id, password_hash, session)
        if activated is None:
            raise LINK_INVALID.error()
        return activated

    _, user = await password_from_link(accounts, token, password, "confirmation", activate_now)
    return user


async def activate(
    accounts: Accounts, user_id: str, password_hash: str, session: AsyncClientSession
) -> tuple[Document, dict[str, int]] | None:
    """Make a pending account active with this password and tell the other services."""
    user = await accounts.store.users.activate(user_id, password_hash, accounts.now(), session)
    if user is None:
        return None
    await accounts.store.links.void(user_id, "confirmation", session)
    await accounts.ctx.outbox.add(UserActivated(**account_holder_in_role(user)), session)
    await accounts.ctx.outbox.add(contact_event(user), session)
    changes: dict[str, int] = {}
    if user["role"] == "ambassador":
        changes = await ambassador_changed(accounts, None, user, session)
    elif user["role"] == "staff":
        await accounts.ctx.outbox.add(staff_event(user), session)
    elif user["role"] == "referent":
        await accounts.ctx.outbox.add(referent_event(user), session)
    return user, changes


def contact_event(user: Document) -> ContactChanged:
    """The private contact details messaging holds (to check replies, to share them)."""
    return ContactChanged(
        user_id=user["_id"],
        email=user["email"],
        phone=user.get("phone"),
        first_name=user["first_name"],
        last_name=user["last_name"],
    )


def staff_event(user: Document) -> StaffProfileChanged:
    """The public fields of an educational-team member."""
    establishment = stored_establishment(user["staff"])
    return StaffProfileChanged(
        user_id=user["_id"],
        first_name=user["first_name"],
        last_initial=initial(user["last_name"]),
        establishment_uai=establishment["uai"],
        establishment_name=establishment["name"],
        city=establishment["city"],
        postcode=establishment["postcode"],
        department=establishment["department"],
        bassin=establishment["bassin"],
    )


def referent_event(user: Document, *, active: bool = True) -> ReferentChanged:
    """A referent and their territory."""
    return ReferentChanged(
        user_id=user["_id"],
        first_name=user["first_name"],
        last_initial=initial(user["last_name"]),
        territory=Territory.model_validate(user["referent"]["territory"]),
        active=active,
    )


async def change_territory(
    accounts: Accounts, referent_id: str, territory: TerritoryIn
) -> Document | None:
    """An admin changes a referent's territory (their next token carries it)."""

    async def work(session: AsyncClientSession) -> Document | None:
        user = await accounts.store.users.set_territory(
            referent_id, territory.model_dump(), accounts.now(), session
        )
        if user is None:
            return None
        unchanged = Territory.model_validate(user["referent"]["territory"]) == Territory(
            **territory.model_dump()
        )
        user["referent"]["territory"] = territory.model_dump()
        if user["status"] == "active" and not unchanged:
            await accounts.ctx.outbox.add(referent_event(user), session)
            # The old territory's data must close now, not when the token expires.
            revoked = TokensRevoked(
                user_id=referent_id, not_before=accounts.now(), reason="scope_changed"
            )
            await accounts.ctx.outbox.add(revoked, session)
        return user

    return await accounts.ctx.transaction(work)


async def ensure_admin(
    accounts: Accounts,
    email: str,
    password: str,
    *,
    first_name: str = "Administrateur",
    last_name: str = "Proch'Orientation",
) -> bool:
    """An active admin with this address exists afterwards; returns whether it was created.

    Idempotent: an existing account is left as it is (its password is not reset).
    """
    address = normalise_email(email)
    existing = await accounts.store.users.by_email(address, fields={"role": 1})
    if existing is not None:
        if existing["role"] != "admin":
            log.error("ADMIN_EMAIL belongs to a %s account: no admin created", existing["role"])
        return False
    problem = password_problem(password, personal=personal_words(address))
    if problem:
        log.warning("ADMIN_PASSWORD does not meet the password policy: %s", problem)
    password_hash = await accounts.passwords.hash(password)
    now = accounts.now()
    user = new_account(
        accounts.new_id(),
        "admin",
        now,
        email=address,
        first_name=first_name,
        last_name=last_name,
        consents=ConsentsIn(),
        noted=False,
    )
    # Active at once, with the password of the settings.
    user.update(
        status="active", password_hash=password_hash, activated_at=now, password_changed_at=now
    )

    async def work(session: AsyncClientSession) -> None:
        await accounts.store.users.insert(user, session)
        await accounts.ctx.outbox.add(UserActivated(**account_holder_in_role(user)), session)
        await accounts.ctx.outbox.add(contact_event(user), session)

    try:
        await accounts.ctx.transaction(work)
    except DuplicateKeyError:
        return False  # another replica created it at the same moment
    return True
