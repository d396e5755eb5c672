"""Request and response bodies of the accounts API (they also write its OpenAPI document).

Validators raise ``ValueError`` with a French sentence: the HTTP layer answers 400
``invalid_request`` naming the field.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from services.accounts.domain.catalog import region, sectors
from services.accounts.domain.identity import (
    check_name,
    check_postcode,
    check_uai,
    normalise_email,
    normalise_phone,
)
from shared.contracts.accounts import InterventionKind, ProfileType
from shared.http import PageQuery


def _known_sector(value: str) -> str:
    if value not in sectors():
        raise ValueError("Ce secteur n'existe pas : choisissez-en un de la liste des secteurs.")
    return value


def _trimmed(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("Ce champ ne doit pas être vide.")
    return value


def _known_department(value: str) -> str:
    if value not in region().departments:
        raise ValueError(
            "Ce département ne fait pas partie des Hauts-de-France (02, 59, 60, 62, 80)."
        )
    return value


def _known_bassin(value: str) -> str:
    if value not in region().bassins:
        raise ValueError("Ce bassin d'éducation n'existe pas.")
    return value


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(check_name)]
Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(normalise_email)]
Phone = Annotated[str, Field(min_length=4, max_length=30), AfterValidator(normalise_phone)]
Postcode = Annotated[str, Field(min_length=5, max_length=5), AfterValidator(check_postcode)]
Text = Annotated[str, AfterValidator(_trimmed)]
SectorSlug = Annotated[str, AfterValidator(_known_sector)]
DepartmentCode = Annotated[str, AfterValidator(_known_department)]
BassinSlug = Annotated[str, AfterValidator(_known_bassin)]


class Strict(BaseModel):
    """Bodies refuse unknown fields: a typo must not be silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Job(Strict):
    """What a professional ambassador presents."""

    title: Annotated[Text, Field(min_length=2, max_length=120, description="Intitulé du métier.")]
    sector: SectorSlug = Field(description="Secteur (voir GET /sectors).")
    employment: (
        Literal["employee", "business_owner", "self_employed", "retired", "other"] | None
    ) = Field(
        None, description="Situation : salarié, chef d'entreprise, indépendant, retraité, autre."
    )
    employer: Annotated[Text, Field(max_length=160)] | None = None
    employer_agreement: bool | None = Field(
        None, description="Un salarié déclare l'accord de son employeur."
    )

    @model_validator(mode="after")
    def _salaried_needs_agreement(self) -> Self:
        salaried = self.employment == "employee" or (self.employment is None and self.employer)
        if salaried and not self.employer:
            raise ValueError("Un salarié indique son employeur (champ « employer »).")
        if salaried and self.employer_agreement is not True:
            raise ValueError(
                "Un salarié doit déclarer l'accord de son employeur (champ « employer_agreement »)."
            )
        return self


class Training(Strict):
    """The training a student follows or a trainer gives."""

    name: Annotated[
        Text, Field(min_length=2, max_length=160, description="Intitulé de la formation.")
    ]
    level: Annotated[
        Text,
        Field(min_length=1, max_length=80, description="Niveau (CAP, bac pro, BTS, licence…)."),
    ]
    establishment: Annotated[Text, Field(min_length=2, max_length=160)]


class Zone(Strict):
    """Departments and Nord's bassins where the ambassador can go."""

    departments: list[DepartmentCode] = Field(default_factory=list, max_length=5)
    bassins: list[BassinSlug] = Field(default_factory=list, max_length=9)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.departments and not self.bassins:
            raise ValueError("Indiquez au moins un département ou un bassin d'intervention.")
        self.departments = sorted(set(self.departments))
        self.bassins = sorted(set(self.bassins))
        return self


class ConsentsIn(Strict):
    """Consents asked at sign-up and editable later."""

    image_rights: bool = Field(False, description="Droit à l'image lors des interventions.")
    surveys: bool = Field(False, description="Participation aux enquêtes d'évaluation.")


def _unique_kinds(kinds: list[InterventionKind]) -> list[InterventionKind]:
    return list(dict.fromkeys(kinds))


Interventions = Annotated[
    list[InterventionKind], Field(min_length=1, max_length=4), AfterValidator(_unique_kinds)
]


class AmbassadorSignUp(Strict):
    """An ambassador joins, in the order of the programme's form."""

    profile: ProfileType = Field(description="student, professional ou trainer.")
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    postcode: Postcode
    city: Annotated[Text, Field(min_length=1, max_length=100)]
    job: Job | None = None
    training: Training | None = None
    background: Annotated[
        str, Field(max_length=2000, description="Parcours, en quelques lignes.")
    ] = ""
    interventions: Interventions
    online: bool = Field(False, description="Accepte aussi d'intervenir à distance.")
    zone: Zone
    charter_version: Annotated[str, Field(min_length=1, max_length=40)]
    charter_accepted: bool
    consents: ConsentsIn = Field(default_factory=ConsentsIn)

    @model_validator(mode="after")
    def _job_or_training(self) -> Self:
        if self.profile == "professional" and self.job is None:
            raise ValueError("Un professionnel décrit son métier (champ « job »).")
        if self.profile in ("student", "trainer") and self.training is None:
            raise ValueError("Décrivez la formation suivie ou dispensée (champ « training »).")
        return self


class Establishment(Strict):
    """An educational establishment, identified by its UAI code."""

    uai: Annotated[str, Field(min_length=8, max_length=8), AfterValidator(check_uai)]
    name: Annotated[Text, Field(min_length=2, max_length=160)]
    city: Annotated[Text, Field(min_length=1, max_length=100)]
    postcode: Postcode


class StaffSignUp(Strict):
    """A member of an educational team joins."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    establishment: Establishment
    position: Annotated[
        Text,
        Field(
            min_length=2,
            max_length=120,
            description="Fonction (professeur principal, CPE, Psy-EN…).",
        ),
    ]


class TerritoryIn(Strict):
    """A referent's territory."""

    departments: list[DepartmentCode] = Field(default_factory=list, max_length=5)
    bassins: list[BassinSlug] = Field(default_factory=list, max_length=9)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.departments and not self.bassins:
            raise ValueError("Un territoire compte au moins un département ou un bassin.")
        self.departments = sorted(set(self.departments))
        self.bassins = sorted(set(self.bassins))
        return self


class ReferentIn(Strict):
    """An admin creates a referent; they choose their password from the emailed link."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    territory: TerritoryIn


class Registered(BaseModel):
    """Answer to a sign-up: the link is on its way."""

    id: str
    status: Literal["pending_confirmation"] = "pending_confirmation"


class Charter(BaseModel):
    """The ambassadors' charter in force."""

    version: str
    title: str
    text: str


class Sector(BaseModel):
    """A professional sector of the directory."""

    slug: str
    name: str


class Place(BaseModel):
    """A department or a bassin."""

    code: str
    name: str
    department: str | None = None


class Places(BaseModel):
    """The territory of the programme."""

    departments: list[Place]
    bassins: list[Place]


class LinkAndPassword(Strict):
    """A token from an emailed link, and the password to set."""

    token: Annotated[str, Field(min_length=10, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class LinkOnly(Strict):
    """A token from an emailed link."""

    token: Annotated[str, Field(min_length=10, max_length=200)]


class ResetRequest(Strict):
    """Ask for a lost-password link."""

    email: Annotated[str, Field(min_length=1, max_length=254)]


class Credentials(Strict):
    """Sign in."""

    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]


class RefreshRequest(Strict):
    """Exchange a refresh token for a new pair (the old one stops working)."""

    refresh_token: Annotated[str, Field(min_length=10, max_length=300)]


class UserSummary(BaseModel):
    """Who signed in."""

    id: str
    role: str
    first_name: str
    last_name: str
    email: str


class SessionTokens(BaseModel):
    """A signed access token (short-lived) and a refresh token (rotates on use)."""

    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="Durée de validité du jeton d'accès, en secondes.")
    user: UserSummary


class Activated(SessionTokens):
    """The account is active and its first session open (the link proved the mailbox).

    The tokens are those of ``POST /sessions``: whoever just chose the password is
    signed in without typing it again.
    """

    id: str
    role: str
    status: Literal["active"] = "active"


LinkPurposeName = Literal["confirmation", "password_reset", "email_change"]


class LinkStatus(BaseModel):
    """What an emailed link is for, and whether it can still be used."""

    purpose: LinkPurposeName = Field(
        description="confirmation (/activer), password_reset (/mot-de-passe), "
        "email_change (/email)."
    )
    state: Literal["valid", "expired"] = Field(
        description="expired : le lien peut être renouvelé (POST /links/renewal)."
    )
    expires_at: datetime
    email: str | None = Field(
        None,
        description="Adresse à laquelle le lien a été envoyé (lien encore valable seulement).",
    )


class PasswordChange(Strict):
    """Change the password: the current one is asked."""

    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: Annotated[str, Field(min_length=1, max_length=1024)]


class EmailChangeRequest(Strict):
    """Change the address: a link goes to the new one, the old one is told."""

    new_email: Email
    current_password: Annotated[str, Field(min_length=1, max_length=1024)]


class EmailChanged(BaseModel):
    """The account's address now."""

    email: str


class ConsentState(BaseModel):
    """One consent: given or not, and since when."""

    given: bool
    at: datetime | None = None


class ConsentEvent(BaseModel):
    """One change of a consent."""

    consent: Literal["image_rights", "surveys"]
    given: bool
    at: datetime


class Consents(BaseModel):
    """Consents with their dates and history of changes."""

    image_rights: ConsentState
    surveys: ConsentState
    history: list[ConsentEvent] = Field(default_factory=list)


class Availability(Strict):
    """A pause in the engagement and a monthly cap on solicitations."""

    pause_from: datetime | None = None
    pause_to: datetime | None = None
    max_solicitations_per_month: Annotated[int, Field(ge=1, le=31)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if (self.pause_from is None) != (self.pause_to is None):
            raise ValueError("Une pause a une date de début et une date de fin.")
        if self.pause_from and self.pause_to and self.pause_to <= self.pause_from:
            raise ValueError("La fin de la pause doit suivre son début.")
        for moment in (self.pause_from, self.pause_to):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("Les dates indiquent leur fuseau horaire (par exemple +01:00).")
        return self


class RecordState(BaseModel):
    """Where the criminal-record check stands (the document itself is never shown).

    A verified check is valid until ``valid_until``; a new extract is asked for
    shortly before (``renewal_requested_at``) and the check is ``expired`` after.
    """

    status: Literal["missing", "submitted", "verified", "rejected", "expired"]
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    note: str | None = None
    valid_until: datetime | None = None
    renewal_requested_at: datetime | None = None
    expired_at: datetime | None = None


class Suspension(BaseModel):
    """Why and since when an ambassador is suspended."""

    reason: str
    at: datetime
    by: str


class AmbassadorPart(BaseModel):
    """The ambassador's own profile as they see it."""

    profile: ProfileType
    postcode: str
    city: str
    job: Job | None = None
    training: Training | None = None
    background: str = ""
    interventions: list[InterventionKind]
    online: bool = False
    zone: Zone
    organization_id: str | None = None
    availability: Availability = Field(default_factory=Availability)
    record: RecordState
    suspension: Suspension | None = None
    solicitable: bool
    not_solicitable_reason: str | None = None


class StaffEstablishment(BaseModel):
    """A staff member's establishment as the reference data places it."""

    uai: str
    name: str
    city: str
    postcode: str
    department: str
    bassin: str | None = Field(None, description="Bassin d'éducation (Nord), quand il est connu.")
    listed: bool = Field(
        description="L'établissement figure dans l'annuaire : nom et lieu en viennent."
    )


class StaffVerification(BaseModel):
    """Whether the person's attachment to the establishment is proved."""

    status: Literal["verified", "pending", "refused"] = Field(
        description=(
            "verified : prouvé par une adresse académique ou confirmé par un référent ; "
            "pending : en attente du référent territorial ; refused : refusé (motif)."
        )
    )
    by_academic_address: bool = False
    at: datetime | None = Field(None, description="Date de la décision ou de la demande.")
    reason: str | None = None


class StaffPart(BaseModel):
    """The educational team member's establishment, position and verification."""

    establishment: StaffEstablishment
    position: str
    verification: StaffVerification


class ReferentPart(BaseModel):
    """The referent's territory."""

    territory: TerritoryIn


class PartnerPart(BaseModel):
    """The organization a partner contact speaks for."""

    organization_id: str


class Restriction(BaseModel):
    """Since when the person restricted the use of their data (RGPD art. 18)."""

    since: datetime


class Me(BaseModel):
    """One's own account and profile."""

    id: str
    role: str
    status: str
    email: str
    first_name: str
    last_name: str
    phone: str | None = None
    created_at: datetime
    activated_at: datetime | None = None
    consents: Consents
    charter_version: str | None = None
    ambassador: AmbassadorPart | None = None
    staff: StaffPart | None = None
    referent: ReferentPart | None = None
    partner: PartnerPart | None = None
    restriction: Restriction | None = None


class MeUpdate(Strict):
    """Fields one may change on one's own account (only those given change).

    ``organization_id`` links an ambassador to their employer organization (null
    unlinks). Job, training, zone and availability replace the previous value whole.
    """

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Phone | None = None
    postcode: Postcode | None = None
    city: Annotated[Text, Field(min_length=1, max_length=100)] | None = None
    job: Job | None = None
    training: Training | None = None
    background: Annotated[str, Field(max_length=2000)] | None = None
    interventions: Interventions | None = None
    online: bool | None = None
    zone: Zone | None = None
    organization_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    availability: Availability | None = None
    position: Annotated[Text, Field(min_length=2, max_length=120)] | None = None
    establishment: Establishment | None = None

    @field_validator(
        "first_name",
        "last_name",
        "postcode",
        "city",
        "interventions",
        "online",
        "zone",
        "position",
        "establishment",
    )
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("Ce champ ne peut pas être vidé.")
        return value


class ConsentsUpdate(Strict):
    """Give or withdraw consents (the date of each change is kept)."""

    image_rights: bool
    surveys: bool


class RecordSubmitted(BaseModel):
    """The extract was received and waits for a referent's decision."""

    status: Literal["submitted"] = "submitted"
    submitted_at: datetime


class RecordDecision(Strict):
    """A referent's or admin's decision on the extract."""

    decision: Literal["verified", "rejected"]
    note: Annotated[str, Field(max_length=1000)] | None = None


class SuspensionIn(Strict):
    """Suspend an ambassador, with the reason."""

    reason: Annotated[Text, Field(min_length=3, max_length=1000)]


class PublicTraining(BaseModel):
    """Training shown in the directory."""

    name: str
    level: str
    establishment: str


class PublicProfile(BaseModel):
    """What the directory shows of an ambassador: never an email, phone or address."""

    id: str
    first_name: str
    last_initial: str
    profile: ProfileType
    job_title: str | None = None
    sector: str | None = None
    sector_name: str | None = None
    employer: str | None = None
    organization_id: str | None = None
    training: PublicTraining | None = None
    background: str = ""
    interventions: list[InterventionKind]
    online: bool = Field(False, description="Intervient aussi à distance.")
    zone: Zone
    department: str = Field(description="Département de résidence (du code postal).")
    city: str
    pause_from: datetime | None = None
    pause_to: datetime | None = None


class AmbassadorView(PublicProfile):
    """A public profile, plus the check and suspension state for referents and admins."""

    status: str | None = None
    solicitable: bool | None = None
    not_solicitable_reason: str | None = None
    record: RecordState | None = None
    suspension: Suspension | None = None


class DirectoryQuery(PageQuery):
    """Search the directory: free text and filters, all optional and combined."""

    q: (
        Annotated[
            str,
            Field(
                max_length=200, description="Texte libre : métier, secteur, formation, parcours."
            ),
        ]
        | None
    ) = None
    sector: SectorSlug | None = None
    department: DepartmentCode | None = None
    bassin: BassinSlug | None = None
    kind: InterventionKind | None = None
    profile: ProfileType | None = None
    format: Literal["in_person", "online"] | None = Field(
        None, description="« online » : seulement ceux qui interviennent aussi à distance."
    )


class Sponsorship(Strict):
    """The skills-sponsorship convention (mécénat de compétences)."""

    signed_at: datetime | None = None
    agreed_interventions: Annotated[int, Field(ge=0, le=100_000)] | None = None
    annual_revenue_eur: Annotated[float, Field(ge=0)] | None = None
    hourly_loaded_cost_eur: Annotated[float, Field(ge=0, le=10_000)] | None = None


def _siret(value: str) -> str:
    digits = value.replace(" ", "")
    if len(digits) != 14 or not digits.isdigit():
        raise ValueError("Le SIRET comporte 14 chiffres.")
    # Luhn checksum (La Poste's establishments excepted by INSEE are not partners here).
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char) * (2 if index % 2 else 1)
        total += number - 9 if number > 9 else number
    if total % 10:
        raise ValueError("Ce numéro SIRET n'est pas valide (clé de contrôle).")
    return digits


Siret = Annotated[str, AfterValidator(_siret)]


class OrganizationIn(Strict):
    """A partner organization."""

    name: Annotated[Text, Field(min_length=2, max_length=160)]
    siret: Annotated[str, AfterValidator(_siret)] | None = None
    kind: Literal["company", "association", "training_body", "public_body", "other"]
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None


class Organization(BaseModel):
    """A partner organization as stored."""

    id: str
    name: str
    siret: str | None = None
    kind: str
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None
    created_at: datetime


class OrganizationUpdate(Strict):
    """Fields of an organization to change (only those given change; null clears)."""

    name: Annotated[Text, Field(min_length=2, max_length=160)] | None = None
    siret: Annotated[str, AfterValidator(_siret)] | None = None
    kind: Literal["company", "association", "training_body", "public_body", "other"] | None = None
    partnership_charter_signed_at: datetime | None = None
    sponsorship: Sponsorship | None = None

    @field_validator("name", "kind")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("Ce champ ne peut pas être vidé.")
        return value


class PartnerContactIn(Strict):
    """The person who speaks for a partner organization: reads its report, nothing else."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None


class OrganizationSummary(BaseModel):
    """What anyone signed in sees of an organization (to link oneself to it)."""

    id: str
    name: str
    kind: str


class OrganizationQuery(PageQuery):
    """Find organizations by name."""

    q: Annotated[str, Field(max_length=100)] | None = None


class RecordQueueQuery(PageQuery):
    """The referents' queue of criminal-record extracts."""

    status: Literal["pending"] = Field(
        "pending", description="pending : extraits en attente de décision."
    )


class PendingRecord(BaseModel):
    """An extract waiting for a decision, with where to read it and decide."""

    ambassador_id: str
    name: str = Field(description="Nom public : prénom et initiale.")
    zone: Zone
    department: str | None = Field(None, description="Département de résidence.")
    uploaded_at: datetime
    renewal: bool = Field(description="Renouvellement d'un contrôle encore valable.")
    document_url: str
    decision_url: str


class ModerationQuery(PageQuery):
    """The ambassadors of the caller's territory, for referents' moderation."""

    state: (
        Literal["solicitable", "suspended", "record_to_check", "renewal_due", "not_solicitable"]
        | None
    ) = Field(
        None,
        description=(
            "solicitable : sollicitables ; suspended : suspendus ; record_to_check : un "
            "extrait attend une décision ; renewal_due : la vérification de l'extrait se "
            "termine bientôt (le nouvel extrait est demandé) ou a expiré, et aucun nouvel "
            "extrait n'est arrivé, la fin la plus proche d'abord ; not_solicitable : tous "
            "ceux qui ne peuvent pas être sollicités (suspendus, extrait manquant, refusé ou "
            "expiré, compte non activé, limitation). Vide : tous, par ordre alphabétique."
        ),
    )


class ModeratedAmbassador(BaseModel):
    """An ambassador of the territory as a referent moderates them: public name, where
    they go, whether they can be solicited and why not, the check and the suspension.
    Never an email or a phone number."""

    id: str
    name: str = Field(description="Prénom et initiale du nom.")
    profile: ProfileType
    job_title: str | None = None
    sector: str | None = None
    training: str | None = Field(None, description="Formation présentée (lycéen, formateur).")
    city: str
    department: str | None = Field(None, description="Département de résidence.")
    zone: Zone
    account_status: str = Field(description="pending_confirmation, active…")
    solicitable: bool
    not_solicitable_reason: str | None = Field(
        None,
        description="not_active, restricted, suspended, record_rejected, record_expired, "
        "record_not_verified.",
    )
    record: RecordState
    record_waiting_since: datetime | None = Field(
        None, description="Un extrait attend une décision depuis cette date."
    )
    suspension: Suspension | None = None
    joined_at: datetime


class StaffToVerify(BaseModel):
    """A member of an educational team waiting for a referent to confirm their attachment."""

    user_id: str
    first_name: str
    last_name: str
    email: str = Field(description="Adresse de la personne : un indice de son rattachement.")
    position: str
    establishment: StaffEstablishment
    since: datetime | None = Field(None, description="Depuis quand la confirmation est attendue.")
    decision_url: str


class StaffDecision(Strict):
    """A referent's or admin's decision on a staff member's attachment."""

    decision: Literal["verified", "refused"]
    reason: Annotated[Text, Field(min_length=3, max_length=1000)] | None = Field(
        None, description="Obligatoire pour un refus : la personne le lit."
    )

    @model_validator(mode="after")
    def _refusal_says_why(self) -> Self:
        if self.decision == "refused" and not self.reason:
            raise ValueError("Indiquez le motif du refus : la personne le recevra.")
        return self
