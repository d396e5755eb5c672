"""Routes of referents' and admins' tools: the extracts' work queue, partners, the audit
log and erasure records."""

from __future__ import annotations

from services.accounts import (
    account_list,
    audit,
    erasure,
    moderation,
    partners,
    staff_verification,
    territory_ambassadors,
)
from services.accounts.api.joining_models import Registered
from services.accounts.api.moderation_models import ModerationQuery, RecordQueueQuery
from services.accounts.api.privacy_models import ErasureQuery
from services.accounts.api.resources import accounts_for_open_session, accounts_of
from services.accounts.errors import (
    EMAIL_TAKEN,
    ERASURE_NOT_FOUND,
    NOT_YOUR_ESTABLISHMENTS,
    ORGANIZATION_NOT_FOUND,
    SESSION_ENDED,
    SIRET_TAKEN,
    STAFF_ALREADY_DECIDED,
    STAFF_NOT_FOUND,
    USER_NOT_FOUND,
)
from services.accounts.shapes.account_list import AccountQuery, AccountSummary
from services.accounts.shapes.moderation import (
    ModeratedAmbassador,
    PendingRecord,
    StaffDecision,
    StaffToVerify,
)
from services.accounts.shapes.partners import Organization, OrganizationUpdate, PartnerContactIn
from services.accounts.shapes.privacy import AuditEntry, AuditQuery, ErasureRecord
from services.accounts.shapes.profile import StaffVerification
from shared.http import Call, Page, PageQuery, Roles, Router


def add_steering_routes(router: Router) -> None:
    """Declare the steering routes on ``router``."""
    # Both read others' data or change the programme: the session is checked open first.
    steering = router.group(auth=Roles("referent", "admin"), errors=[SESSION_ENDED])
    admin = router.group(auth=Roles("admin"), errors=[SESSION_ENDED])

    @steering.get(
        "/criminal-records",
        summary="Extraits de casier judiciaire en attente de décision",
        description=(
            "Du plus ancien au plus récent : ceux des ambassadeurs de son territoire pour un "
            "référent, tous pour un administrateur. Chacun se lit et se décide par les adresses "
            "données (document_url, decision_url)."
        ),
    )
    async def waiting_records(call: Call[None, RecordQueueQuery]) -> Page[PendingRecord]:
        """The referents' work queue of extracts."""
        accounts = accounts_of(call)
        waiting = await moderation.waiting_records(accounts, call.user, call.query.paging())
        return await audit.record_page_read(
            accounts,
            call.user,
            audit.CRIMINAL_RECORDS_LISTED,
            waiting,
            lambda item: item.ambassador_id,
        )

    @steering.get(
        "/staff-verifications",
        summary="Membres d'équipes éducatives dont le rattachement attend une confirmation",
        description=(
            "Du plus ancien au plus récent : les personnes dont l'établissement est sur le "
            "territoire du référent (un référent de bassin ne voit un établissement du Nord que "
            "si son bassin est connu et le sien), toutes pour un administrateur. Une adresse "
            "académique (ACCOUNTS_STAFF_ACADEMIC_DOMAINS) prouve le rattachement sans passer "
            "par ici. Chaque lecture est inscrite au journal des consultations."
        ),
    )
    async def staff_to_verify(call: Call[None, PageQuery]) -> Page[StaffToVerify]:
        """The referents' work queue of staff to confirm."""
        accounts = accounts_of(call)
        waiting = await staff_verification.staff_to_verify(accounts, call.user, call.query)
        return await audit.record_page_read(
            accounts, call.user, audit.STAFF_TO_VERIFY_LISTED, waiting, lambda item: item.user_id
        )

    @steering.post(
        "/staff/{id}/verification",
        summary="Confirmer ou refuser le rattachement d'un membre d'équipe éducative",
        errors=[STAFF_NOT_FOUND, NOT_YOUR_ESTABLISHMENTS, STAFF_ALREADY_DECIDED],
        description=(
            "verified : la personne peut aussitôt solliciter des ambassadeurs et voir les "
            "rendez-vous de son établissement ; refused : avec un motif, qu'elle reçoit par "
            "e-mail. Un changement d'établissement redemande une confirmation."
        ),
    )
    async def decide_staff(
        call: Call[StaffDecision, None],
    ) -> StaffVerification:
        """A referent of the establishment's zone, or an admin, decides."""
        return await staff_verification.decide(
            accounts_of(call), call.user, call.path("id"), call.body
        )

    @steering.get(
        "/moderation/ambassadors",
        summary="Ambassadeurs du territoire et leur état (référent, administrateur)",
        description=(
            "Tous les ambassadeurs dont la zone touche le territoire du référent (toute la "
            "région pour un administrateur), sollicitables ou non, par ordre alphabétique "
            "(state=renewal_due : la fin de vérification la plus proche d'abord) : "
            "le motif quand ils ne peuvent pas être sollicités, l'état de la vérification de "
            "l'extrait de casier judiciaire et la suspension. Ni e-mail ni téléphone. Chaque "
            "lecture est inscrite au journal des consultations."
        ),
    )
    async def moderated_ambassadors(
        call: Call[None, ModerationQuery],
    ) -> Page[ModeratedAmbassador]:
        """The territory's ambassadors with what a referent acts on."""
        accounts = accounts_of(call)
        query = call.query
        found = await territory_ambassadors.find(accounts, call.user, query.state, query.paging())
        return await audit.record_page_read(
            accounts, call.user, audit.DIRECTORY_LISTED, found, lambda item: item.id
        )

    @steering.patch(
        "/organizations/{id}",
        summary="Modifier une organisation partenaire",
        errors=[ORGANIZATION_NOT_FOUND, SIRET_TAKEN],
        description=(
            "Seuls les champs donnés changent ; la convention de mécénat est remplacée entière."
        ),
    )
    async def update_organization(call: Call[OrganizationUpdate, None]) -> Organization:
        """Agenda's partner reports follow the change."""
        accounts = await accounts_for_open_session(call)
        return await partners.update(accounts, call.path("id"), call.body, call.user.user_id)

    @steering.post(
        "/organizations/{id}/contacts",
        summary="Créer le compte du contact d'une organisation partenaire",
        status=201,
        errors=[ORGANIZATION_NOT_FOUND, EMAIL_TAKEN],
        description=(
            "Le contact reçoit un lien valable 12 heures pour choisir son mot de passe ; il ne "
            "peut lire que le bilan de son organisation."
        ),
    )
    async def add_partner_contact(call: Call[PartnerContactIn, None]) -> Registered:
        """The contact's access token carries the organization."""
        accounts = await accounts_for_open_session(call)
        return Registered(id=await partners.add_contact(accounts, call.path("id"), call.body))

    @admin.get(
        "/users",
        summary="Comptes de la plateforme (administrateur)",
        description=(
            "Tous les comptes, les plus récents d'abord : nom, adresse e-mail, rôle, état, "
            "territoire d'un référent, suspension d'un ambassadeur. Recherche par le début du "
            "prénom, du nom ou de l'adresse, ou par l'identifiant ; filtre par rôle. Chaque "
            "lecture est inscrite au journal des consultations."
        ),
    )
    async def list_accounts(
        call: Call[None, AccountQuery],
    ) -> Page[AccountSummary]:
        """The administrators' search of accounts."""
        accounts = await accounts_for_open_session(call)
        found = await account_list.find(accounts, call.query)
        return await audit.record_page_read(
            accounts, call.user, audit.ACCOUNTS_LISTED, found, lambda item: item.id
        )

    @admin.get(
        "/users/{id}",
        summary="Un compte de la plateforme (administrateur)",
        errors=[USER_NOT_FOUND],
    )
    async def get_account(call: Call[None, None]) -> AccountSummary:
        """One account, its role and state (the read is audited)."""
        accounts = await accounts_for_open_session(call)
        found = await account_list.one(accounts, call.path("id"))
        if found is None:
            raise USER_NOT_FOUND.error()
        await audit.record_read(accounts, call.user, audit.ACCOUNT_READ, found.id)
        return found

    @admin.get(
        "/erasures",
        summary="Suppressions de comptes et leur confirmation par chaque service",
    )
    async def list_erasures(call: Call[None, ErasureQuery]) -> Page[ErasureRecord]:
        """Newest first; ``state=pending`` lists those a service has not confirmed yet."""
        accounts = await accounts_for_open_session(call)
        query = call.query
        records = await erasure.find(accounts, query.state, query.paging())
        return await audit.record_page_read(
            accounts,
            call.user,
            audit.ERASURE_RECORDS_LISTED,
            records,
            lambda record: record.user_id,
        )

    @admin.get(
        "/erasures/{user_id}",
        summary="Où en est l'effacement d'un compte supprimé",
        errors=[ERASURE_NOT_FOUND],
    )
    async def get_erasure(call: Call[None, None]) -> ErasureRecord:
        """Which services confirmed, and when the erasure was complete (read is audited)."""
        accounts = await accounts_for_open_session(call)
        user_id = call.path("user_id")
        record = await erasure.get(accounts, user_id)
        if record is None:
            raise ERASURE_NOT_FOUND.error()
        await audit.record_read(accounts, call.user, audit.ERASURE_RECORD_READ, user_id)
        return record

    @admin.get(
        "/audit",
        summary="Journal des consultations de données personnelles",
        description=(
            "Chaque lecture des données d'une personne par un référent ou un administrateur, "
            "dans tous les services (profil, annuaire, extraits de casier judiciaire, "
            "effacement ; rendez-vous, file de travail, participants d'un événement, bilan "
            "d'un partenaire), une entrée par personne, de la plus récente à la plus "
            "ancienne ; filtres combinables."
        ),
    )
    async def read_audit(call: Call[None, AuditQuery]) -> Page[AuditEntry]:
        """Filter by person, by reader and by period."""
        accounts = await accounts_for_open_session(call)
        return await audit.find(accounts, call.query)
