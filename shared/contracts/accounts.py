"""Events accounts publishes: its public contract with the other services.

Contact details (email) travel only in events that the notifier consumes to reach
the person; agenda and messaging work with user ids and public profile fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel

from shared.events import Event

Role = Literal["ambassador", "staff", "referent", "admin", "partner"]
ProfileType = Literal["student", "professional", "trainer"]
InterventionKind = Literal["class_presentation", "event", "company_visit", "discovery_internship"]


class _ToAccountHolder(Event):
    """Base of the events the notifier mails to the person they are about, at the
    address they carry (its own copy of the contact may lag behind)."""

    user_id: str
    email: str
    first_name: str


class _ToAccountHolderInRole(Event):
    """Base of the events mailed to the person they are about, worded for their role."""

    user_id: str
    role: Role
    email: str
    first_name: str


class UserRegistered(_ToAccountHolderInRole):
    """Someone joined (or an admin created them); the link activates the account."""

    type: ClassVar[str] = "accounts.user.registered"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"confirmation_url"})

    last_name: str
    confirmation_url: str | None = None
    expires_at: datetime | None = None


class ConfirmationLinkRenewed(_ToAccountHolderInRole):
    """A person still to confirm asked for a new link in place of an expired one.

    Not a second ``accounts.user.registered``: nobody joined again, only the link
    changed (the earlier ones stop working). The notifier mails the new link.
    """

    type: ClassVar[str] = "accounts.confirmation_link.renewed"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"confirmation_url"})

    confirmation_url: str
    expires_at: datetime


class UserActivated(_ToAccountHolderInRole):
    """The confirmation link was followed and a password chosen."""

    type: ClassVar[str] = "accounts.user.activated"


class PasswordResetRequested(_ToAccountHolder):
    """A lost-password link was issued (only for a known email; the API never says)."""

    type: ClassVar[str] = "accounts.password_reset.requested"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"reset_url"})

    reset_url: str
    expires_at: datetime


class PasswordChanged(_ToAccountHolder):
    """The password changed (reset or change); the person is told."""

    type: ClassVar[str] = "accounts.password.changed"


class SignInAttacked(_ToAccountHolder):
    """Wrong passwords for the account came from several places: its owner is told
    once per window, with what still lets them in."""

    type: ClassVar[str] = "accounts.sign_in.attacked"

    failures: int
    window_minutes: int


class _EmailChange(Event):
    """Base of the two steps of a change of address: the account's old and new one."""

    user_id: str
    first_name: str
    old_email: str
    new_email: str


class EmailChangeRequested(_EmailChange):
    """A new address must be confirmed; the old one is told."""

    type: ClassVar[str] = "accounts.email_change.requested"
    secret_fields: ClassVar[frozenset[str]] = frozenset({"confirmation_url"})

    confirmation_url: str
    expires_at: datetime


class EmailChanged(_EmailChange):
    """The new address was confirmed and is now the account's."""

    type: ClassVar[str] = "accounts.email.changed"


class Territory(BaseModel):
    """Departments (codes such as "59") and bassins (slugs) of a zone or territory."""

    departments: list[str] = []
    bassins: list[str] = []


class AmbassadorProfileChanged(Event):
    """Public fields of an ambassador that other services copy (never contact details).

    Sent on activation and on every change that matters to them; carries the full
    public state, so a consumer simply replaces its copy (newest ``revision`` wins).
    """

    type: ClassVar[str] = "accounts.ambassador.profile_changed"

    ambassador_id: str
    revision: int
    first_name: str
    last_initial: str
    profile: ProfileType
    job_title: str | None = None
    sector: str | None = None
    employer: str | None = None
    organization_id: str | None = None
    training_name: str | None = None
    interventions: list[InterventionKind] = []
    zone: Territory = Territory()
    solicitable: bool
    not_solicitable_reason: str | None = None
    pause_from: datetime | None = None
    pause_to: datetime | None = None
    max_solicitations_per_month: int | None = None


class StaffProfileChanged(Event):
    """Public fields of an educational-team member that agenda and messaging need."""

    type: ClassVar[str] = "accounts.staff.profile_changed"

    user_id: str
    first_name: str
    last_initial: str
    establishment_uai: str
    establishment_name: str
    city: str
    postcode: str
    department: str
    bassin: str | None = None


class ReferentChanged(Event):
    """A referent and their territory (agenda routes escalations with it)."""

    type: ClassVar[str] = "accounts.referent.changed"

    user_id: str
    first_name: str
    last_initial: str
    territory: Territory
    active: bool = True


class StaffVerificationDecided(Event):
    """A referent or admin confirmed or refused that a person works at an establishment."""

    type: ClassVar[str] = "accounts.staff.verification_decided"

    user_id: str
    decision: Literal["verified", "refused"]
    establishment_name: str
    reason: str | None = None
    decided_at: datetime


class CriminalRecordDecided(Event):
    """A referent or admin recorded the outcome of the criminal-record check."""

    type: ClassVar[str] = "accounts.criminal_record.decided"

    ambassador_id: str
    decision: Literal["verified", "rejected"]
    note: str | None = None
    decided_at: datetime


class AmbassadorSuspended(Event):
    """An ambassador can no longer be solicited, with the reason given."""

    type: ClassVar[str] = "accounts.ambassador.suspended"

    ambassador_id: str
    reason: str


class AmbassadorReinstated(Event):
    """A suspension was lifted."""

    type: ClassVar[str] = "accounts.ambassador.reinstated"

    ambassador_id: str


# Why tokens already issued stop working before their expiry.
RevocationReason = Literal["deleted", "password_changed", "scope_changed", "session_ended"]


class TokensRevoked(Event):
    """Access tokens issued before ``not_before`` no longer stand: every service refuses
    them within seconds instead of honouring them until they expire.

    Only the tokens of ``session_id`` when it is given (a sign-out), every session of
    the user otherwise (deletion, password change, a role's scope that changed: the
    person's next token, refreshed at accounts, carries what is true now).
    """

    type: ClassVar[str] = "accounts.tokens.revoked"

    user_id: str
    not_before: datetime
    reason: RevocationReason
    session_id: str | None = None


# Why an account was deleted: the person asked, nobody signed in for the retention
# period, or the sign-up was never confirmed within its own period.
DeletionReason = Literal["request", "inactivity", "unconfirmed"]


class UserDeleted(_ToAccountHolderInRole):
    """The account is gone: every service erases or anonymises what it holds.

    ``reason`` says why: the person asked (``request``), nobody signed in for the
    retention period (``inactivity``), or the account was never activated
    (``unconfirmed``: the address was never proven, so nothing should be written to
    it). Each service then publishes ``<service>.user.erased`` (see
    ``shared.personal_data``).
    """

    type: ClassVar[str] = "accounts.user.deleted"

    reason: DeletionReason = "request"


class InactivityWarned(_ToAccountHolder):
    """Nobody signed in for the retention period: the account goes unless someone does."""

    type: ClassVar[str] = "accounts.user.inactivity_warned"

    deletion_at: datetime


class CriminalRecordRenewalRequested(Event):
    """The ambassador's check ends soon: they are asked for a new extract."""

    type: ClassVar[str] = "accounts.criminal_record.renewal_requested"

    ambassador_id: str
    valid_until: datetime


class CriminalRecordExpired(Event):
    """The check ended without a new decision: no solicitation until there is one."""

    type: ClassVar[str] = "accounts.criminal_record.expired"

    ambassador_id: str
    expired_at: datetime


class ContactChanged(Event):
    """A person's private contact details, for the services that must hold them.

    Consumed by messaging only: it checks who sends a reply by email and reveals the
    details to the other party once the person chooses to share them. Published on
    activation and whenever the email or the phone changes.
    """

    type: ClassVar[str] = "accounts.contact.changed"

    user_id: str
    email: str
    phone: str | None = None
    first_name: str
    last_name: str


class ExportRequested(Event):
    """The person asked for their data: every service answers with its part.

    See ``shared.personal_data`` for the answers' shape.
    """

    type: ClassVar[str] = "accounts.export.requested"

    request_id: str
    user_id: str
    role: Role


class Sponsorship(BaseModel):
    """The skills-sponsorship convention's figures (mécénat de compétences)."""

    signed_at: datetime | None = None
    agreed_interventions: int | None = None
    annual_revenue_eur: float | None = None
    hourly_loaded_cost_eur: float | None = None


class PartnershipRequested(Event):
    """An organisation asked to become a partner: the programme's admins are told.

    Only the organisation's name travels; its contact's name, address and phone stay
    in accounts, where the admins read the request (``GET /partner-requests``).
    """

    type: ClassVar[str] = "accounts.partnership.requested"

    request_id: str
    organization_name: str
    sponsorship: bool
    admin_ids: list[str]


class OrganizationChanged(Event):
    """A partner organization and its conventions, for agenda's partner reports."""

    type: ClassVar[str] = "accounts.organization.changed"

    organization_id: str
    name: str
    siret: str | None = None
    kind: str | None = None
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None


# Every event accounts publishes: its AsyncAPI document and the contract test read it.
PUBLISHED: tuple[type[Event], ...] = (
    UserRegistered,
    ConfirmationLinkRenewed,
    UserActivated,
    PasswordResetRequested,
    PasswordChanged,
    SignInAttacked,
    EmailChangeRequested,
    EmailChanged,
    AmbassadorProfileChanged,
    StaffProfileChanged,
    ReferentChanged,
    StaffVerificationDecided,
    CriminalRecordDecided,
    AmbassadorSuspended,
    AmbassadorReinstated,
    UserDeleted,
    InactivityWarned,
    CriminalRecordRenewalRequested,
    CriminalRecordExpired,
    ContactChanged,
    ExportRequested,
    PartnershipRequested,
    OrganizationChanged,
    TokensRevoked,
)
