"""Sample events for the notifier's tests: one of each kind, with recognisable values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.notifier.render import Recipient
from shared.contracts.accounts import (
    AmbassadorReinstated,
    AmbassadorSuspended,
    ConfirmationLinkRenewed,
    CriminalRecordDecided,
    CriminalRecordExpired,
    CriminalRecordRenewalRequested,
    EmailChanged,
    EmailChangeRequested,
    InactivityWarned,
    PartnershipRequested,
    PasswordChanged,
    PasswordResetRequested,
    Role,
    SignInAttacked,
    StaffVerificationDecided,
    UserActivated,
    UserDeleted,
    UserRegistered,
)
from shared.contracts.agenda import (
    AppointmentAccepted,
    AppointmentCancelled,
    AppointmentCompleted,
    AppointmentExpired,
    AppointmentFacts,
    AppointmentRefused,
    CalendarStamp,
    CallFacts,
    CallFilled,
    CallPublished,
    Establishment,
    Slot,
    SolicitationCreated,
    SolicitationEscalated,
    SolicitationReminded,
    Suggestion,
)
from shared.contracts.messaging import InboundReplyHeld, MessageRelayed
from shared.events import Event

# Tuesday 3 March 2026, 14:00 in Paris (UTC+1 in winter).
STARTS_AT = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
OCCURRED_AT = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)

AMBASSADOR_ID = "amb-1"
AMBASSADOR_EMAIL = "zoe.martin@exemple.fr"
REQUESTER_ID = "staff-1"
REQUESTER_EMAIL = "paul.durand@college-exemple.fr"
REFERENT_ID = "ref-1"
REFERENT_EMAIL = "referent.nord@exemple.fr"
ADMIN_ID = "admin-1"
ADMIN_EMAIL = "equipe.prochorientation@exemple.fr"
# Who the samples' user ids are, as the notifier's copy of the accounts gives them.
RECIPIENTS = {
    AMBASSADOR_ID: Recipient(AMBASSADOR_EMAIL, "Zoé"),
    REQUESTER_ID: Recipient(REQUESTER_EMAIL, "Paul"),
    REFERENT_ID: Recipient(REFERENT_EMAIL, "Nadia"),
    ADMIN_ID: Recipient(ADMIN_EMAIL, "Aline"),
}

CONFIRMATION_URL = "http://127.0.0.1:8080/activer?token=secret-confirmation-token"
RESET_URL = "http://127.0.0.1:8080/mot-de-passe?token=secret-reset-token"
EMAIL_CHANGE_URL = "http://127.0.0.1:8080/email?token=secret-email-token"


def registered(
    user_id: str = AMBASSADOR_ID,
    email: str = AMBASSADOR_EMAIL,
    first_name: str = "Zoé",
    role: Role = "ambassador",
    *,
    ttl: timedelta = timedelta(hours=12),
    at: datetime | None = None,
) -> UserRegistered:
    """A sign-up at ``at`` (default: now) with its 12 h confirmation link."""
    return UserRegistered(
        user_id=user_id,
        role=role,
        email=email,
        first_name=first_name,
        last_name="Martin",
        confirmation_url=CONFIRMATION_URL,
        expires_at=(at or datetime.now(UTC)) + ttl,
    )


def renewed_confirmation(*, at: datetime | None = None) -> ConfirmationLinkRenewed:
    """A new 12 h confirmation link asked from the page of an expired one."""
    return ConfirmationLinkRenewed(
        user_id=AMBASSADOR_ID,
        role="ambassador",
        email=AMBASSADOR_EMAIL,
        first_name="Zoé",
        confirmation_url=CONFIRMATION_URL,
        expires_at=(at or datetime.now(UTC)) + timedelta(hours=12),
    )


def activated(
    user_id: str = AMBASSADOR_ID,
    email: str = AMBASSADOR_EMAIL,
    first_name: str = "Zoé",
    role: Role = "ambassador",
) -> UserActivated:
    """An account made active (the notifier learns the contact from it too)."""
    return UserActivated(user_id=user_id, role=role, email=email, first_name=first_name)


def facts(**changes: object) -> AppointmentFacts:
    """An appointment in a collège, on Tuesday 3 March 2026 at 14:00 in Paris."""
    values: dict[str, object] = {
        "appointment_id": "apt-42",
        "ambassador_id": AMBASSADOR_ID,
        "ambassador_name": "Zoé M.",
        "requester_id": REQUESTER_ID,
        "requester_name": "Paul D.",
        "kind": "class_presentation",
        "format": "in_person",
        "starts_at": STARTS_AT,
        "duration_minutes": 45,
        "establishment": Establishment(
            uai="0590001A", name="Collège Jean Moulin", city="Lille", postcode="59000"
        ),
        "audience_level": "3e",
        "group_size": 28,
        "topic": "Les métiers de l'aéronautique",
    }
    values.update(changes)
    return AppointmentFacts.model_validate(values)


def every_event() -> list[Event]:
    """One sample of every event the notifier mails about."""
    appointment = facts()
    return [
        registered(at=OCCURRED_AT),
        PasswordResetRequested(
            user_id=AMBASSADOR_ID,
            email=AMBASSADOR_EMAIL,
            first_name="Zoé",
            reset_url=RESET_URL,
            expires_at=OCCURRED_AT + timedelta(minutes=5),
        ),
        EmailChangeRequested(
            user_id=AMBASSADOR_ID,
            first_name="Zoé",
            old_email=AMBASSADOR_EMAIL,
            new_email="zoe.nouvelle@exemple.fr",
            confirmation_url=EMAIL_CHANGE_URL,
            expires_at=OCCURRED_AT + timedelta(hours=12),
        ),
        EmailChanged(
            user_id=AMBASSADOR_ID,
            first_name="Zoé",
            old_email=AMBASSADOR_EMAIL,
            new_email="zoe.nouvelle@exemple.fr",
        ),
        PasswordChanged(user_id=AMBASSADOR_ID, email=AMBASSADOR_EMAIL, first_name="Zoé"),
        activated(),
        UserDeleted(
            user_id=AMBASSADOR_ID, role="ambassador", email=AMBASSADOR_EMAIL, first_name="Zoé"
        ),
        CriminalRecordDecided(
            ambassador_id=AMBASSADOR_ID,
            decision="rejected",
            note="Extrait de plus de trois mois",
            decided_at=OCCURRED_AT,
        ),
        AmbassadorSuspended(ambassador_id=AMBASSADOR_ID, reason="Absences répétées"),
        AmbassadorReinstated(ambassador_id=AMBASSADOR_ID),
        SolicitationCreated(
            appointment=appointment,
            message="Nos élèves de 3e <préparent> leur stage & leur orientation.",
            requester_role="staff",
        ),
        AppointmentAccepted(
            appointment=appointment,
            message="Avec plaisir !",
            calendar=CalendarStamp(uid="apt-42@prochorientation", sequence=1),
        ),
        AppointmentRefused(
            appointment=appointment,
            message="Je suis en déplacement cette semaine-là.",
            alternative_slots=[
                Slot(starts_at=datetime(2026, 3, 10, 8, 30, tzinfo=UTC), duration_minutes=45),
                Slot(starts_at=datetime(2026, 3, 12, 13, 0, tzinfo=UTC), duration_minutes=90),
            ],
        ),
        AppointmentCancelled(
            appointment=appointment,
            cancelled_by="ambassador",
            reason="Un empêchement de dernière minute",
            late=True,
            calendar=CalendarStamp(uid="apt-42@prochorientation", sequence=1),
        ),
        AppointmentExpired(appointment=appointment),
        SolicitationReminded(appointment=appointment),
        SolicitationEscalated(
            appointment=appointment,
            referent_ids=[REFERENT_ID],
            suggestions=[
                Suggestion(
                    ambassador_id="amb-2",
                    name="Karim B.",
                    job_title="Technicien de maintenance",
                    sector="Aéronautique",
                )
            ],
        ),
        AppointmentCompleted(appointment=appointment),
        relayed(),
        # 19: the end of a criminal-record check, and the retention of unused accounts.
        CriminalRecordRenewalRequested(
            ambassador_id=AMBASSADOR_ID, valid_until=datetime(2026, 3, 22, 9, 0, tzinfo=UTC)
        ),
        CriminalRecordExpired(ambassador_id=AMBASSADOR_ID, expired_at=OCCURRED_AT),
        InactivityWarned(
            user_id=AMBASSADOR_ID,
            email=AMBASSADOR_EMAIL,
            first_name="Zoé",
            deletion_at=datetime(2026, 3, 22, 9, 0, tzinfo=UTC),
        ),
        # 22: open calls for events.
        CallPublished(call=call(), recipient_ids=[AMBASSADOR_ID, REFERENT_ID]),
        CallFilled(call=call(places_left=0), recipient_ids=[REFERENT_ID]),
        # 24: a new confirmation link in place of an expired one.
        renewed_confirmation(at=OCCURRED_AT),
        # 25: wrong passwords from several places.
        SignInAttacked(
            user_id=AMBASSADOR_ID,
            email=AMBASSADOR_EMAIL,
            first_name="Zoé",
            failures=20,
            window_minutes=15,
        ),
        # 26: a reply by email in someone's name that failed the sender checks.
        held_reply(),
        # 27: a referent refused a teacher's attachment to the establishment.
        StaffVerificationDecided(
            user_id=REQUESTER_ID,
            decision="refused",
            establishment_name="Collège Jean Moulin",
            reason="Personne inconnue de la direction de l'établissement",
            decided_at=OCCURRED_AT,
        ),
        # 28: an organisation asked to become a partner; the admins are told.
        PartnershipRequested(
            request_id="req-1",
            organization_name="Menuiserie des Flandres",
            sponsorship=True,
            admin_ids=[ADMIN_ID],
        ),
    ]


def call(**changes: object) -> CallFacts:
    """A forum of the collège looking for two ambassadors of aeronautics."""
    values: dict[str, object] = {
        "call_id": "call-5",
        "title": "Forum des métiers du collège",
        "event_type": "forum",
        "format": "in_person",
        "starts_at": STARTS_AT,
        "duration_minutes": 180,
        "establishment": Establishment(
            uai="0590001A", name="Collège Jean Moulin", city="Lille", postcode="59000"
        ),
        "audience_level": "3e",
        "group_size": 120,
        "description": "Des stands par secteur, les élèves circulent librement.",
        "places": 2,
        "places_left": 2,
        "wanted_sectors": ["aeronautique"],
        "organiser_id": REQUESTER_ID,
        "organiser_name": "Paul D.",
    }
    values.update(changes)
    return CallFacts.model_validate(values)


def held_reply() -> InboundReplyHeld:
    """A reply in the ambassador's name, held: it failed DMARC."""
    return InboundReplyHeld(
        conversation_id="conv-7",
        recipient_id=AMBASSADOR_ID,
        received_at=datetime(2026, 3, 2, 16, 5, tzinfo=UTC),
        subject="Intervention au collège Jean Moulin",
        conversation_url="http://127.0.0.1:8080/messagerie/conv-7",
    )


def relayed(**changes: object) -> MessageRelayed:
    """A message from the ambassador, relayed by email to the requester."""
    values: dict[str, object] = {
        "conversation_id": "conv-7",
        "message_id": "msg-3",
        "recipient_id": REQUESTER_ID,
        "sender_display": "Zoé M.",
        "reply_to": "abeille_citron_moulin_zenith_tapis482@relay.localhost",
        "subject": "Re: Intervention au collège Jean Moulin",
        "body": "Bonjour,\nJe viendrai avec des <maquettes> & des photos.\nZoé",
        "mail_message_id": "<msg-3.conv-7@relay.localhost>",
        "in_reply_to": "<msg-2.conv-7@relay.localhost>",
        "references": ["<msg-1.conv-7@relay.localhost>", "<msg-2.conv-7@relay.localhost>"],
        "conversation_url": "http://127.0.0.1:8080/messagerie/conv-7",
    }
    values.update(changes)
    return MessageRelayed.model_validate(values)
