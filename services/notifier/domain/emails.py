"""Which emails each event gives: pure functions, no I/O.

An :class:`OutgoingEmail` names its template, the values the template shows, and its
recipient: an address the event itself carries (accounts' events), or a user id that
the notifier resolves through its own copy of the contacts (agenda, messaging).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from services.notifier.domain.calendar import CalendarInvite, Method
from services.notifier.domain.french import event_type_fr, format_fr, kind_fr, mask_address
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
    CallFacts,
    CallFilled,
    CallNotice,
    CallPublished,
    SolicitationCreated,
    SolicitationEscalated,
    SolicitationReminded,
)
from shared.contracts.messaging import InboundReplyHeld, MessageRelayed
from shared.events import Event
from shared.french import datetime_fr, day_fr, duration_fr, minutes_fr, sentence, time_fr

AS_ROLE = {
    "ambassador": "en tant qu'ambassadeur",
    "staff": "en tant que membre d'une équipe éducative",
    "referent": "en tant que référent territorial",
    "admin": "en tant qu'administrateur",
    "partner": "en tant que partenaire",
}


@dataclass(frozen=True)
class RelayHeaders:
    """Headers of a relayed conversation message: the masked identity, never the real one."""

    sender_display: str
    reply_to: str
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to send: to ``address`` when given, else to the contact of ``user_id``."""

    template: str
    context: Mapping[str, Any]
    user_id: str | None = None
    address: str | None = None
    first_name: str | None = None
    calendar: CalendarInvite | None = None
    relay: RelayHeaders | None = None
    # After this email has gone, the user's address is erased from the delivery log.
    erases_user: bool = False

    def __post_init__(self) -> None:
        if self.user_id is None and self.address is None:
            raise ValueError("an email needs a user id or an address")


@dataclass(frozen=True)
class RenderedEmail:
    """A message ready to send, and what the delivery log shows about it."""

    template: str
    recipient: str
    envelope_from: str
    subject: str
    message_id: str
    mime: bytes


@dataclass(frozen=True)
class Occurrence:
    """What the planner needs from the envelope and the platform's settings."""

    event_id: str
    occurred_at: datetime
    public_url: str
    # Fallbacks when an event does not say when its link expires.
    confirmation_ttl_seconds: int = 43_200
    reset_ttl_seconds: int = 300

    def link(self, path: str) -> str:
        """Absolute link to a page of the platform."""
        return f"{self.public_url.rstrip('/')}{path}"


E = TypeVar("E", bound=Event)
Planner = Callable[[Any, Occurrence], list[OutgoingEmail]]
PLANNERS: dict[type[Event], Planner] = {}


def _plans(
    event_type: type[E],
) -> Callable[[Callable[[E, Occurrence], list[OutgoingEmail]]], Planner]:
    def register(planner: Callable[[E, Occurrence], list[OutgoingEmail]]) -> Planner:
        PLANNERS[event_type] = planner
        return planner

    return register


def plan(event: Event, occurrence: Occurrence) -> list[OutgoingEmail]:
    """The emails ``event`` gives (none for an event the notifier does not mail about)."""
    planner = PLANNERS.get(type(event))
    return planner(event, occurrence) if planner else []


class _AccountHolderEvent(Protocol):
    """An accounts event naming the person it is about, with their first name."""

    @property
    def user_id(self) -> str: ...

    @property
    def first_name(self) -> str | None: ...


def _to_account_holder(
    template: str,
    context: Mapping[str, Any],
    event: _AccountHolderEvent,
    address: str,
    *,
    erases_user: bool = False,
) -> OutgoingEmail:
    # Accounts events carry the address to write to: the notifier's copy of the
    # contact may lag behind, or the address is the one being changed.
    return OutgoingEmail(
        template,
        context,
        user_id=event.user_id,
        address=address,
        first_name=event.first_name,
        erases_user=erases_user,
    )


def _valid_for(expires_at: datetime | None, occurrence: Occurrence, fallback: int) -> str:
    # The link's life is counted from when the event happened, not from when the
    # notifier handles it: a redelivery must not promise more time than is left.
    remaining = (expires_at - occurrence.occurred_at).total_seconds() if expires_at else 0
    return duration_fr(remaining if remaining > 0 else fallback)


# accounts ------------------------------------------------------------------------


@_plans(UserRegistered)
def _registered(event: UserRegistered, occurrence: Occurrence) -> list[OutgoingEmail]:
    if not event.confirmation_url:
        # Created already active (the start-up admin): there is nothing to confirm.
        return []
    return [_confirmation(event, occurrence, renewed=False)]


@_plans(ConfirmationLinkRenewed)
def _confirmation_renewed(
    event: ConfirmationLinkRenewed, occurrence: Occurrence
) -> list[OutgoingEmail]:
    return [_confirmation(event, occurrence, renewed=True)]


def _confirmation(
    event: UserRegistered | ConfirmationLinkRenewed, occurrence: Occurrence, *, renewed: bool
) -> OutgoingEmail:
    context = {
        "as_role": AS_ROLE[event.role],
        "confirmation_url": event.confirmation_url,
        "valid_for": _valid_for(event.expires_at, occurrence, occurrence.confirmation_ttl_seconds),
        "login_url": occurrence.link("/connexion"),
        "renewed": renewed,
    }
    return _to_account_holder("account_confirmation", context, event, event.email)


@_plans(PasswordResetRequested)
def _reset(event: PasswordResetRequested, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        "reset_url": event.reset_url,
        "valid_for": _valid_for(event.expires_at, occurrence, occurrence.reset_ttl_seconds),
        "login_url": occurrence.link("/connexion"),
    }
    return [_to_account_holder("password_reset", context, event, event.email)]


@_plans(EmailChangeRequested)
def _email_change(event: EmailChangeRequested, occurrence: Occurrence) -> list[OutgoingEmail]:
    valid_for = _valid_for(event.expires_at, occurrence, occurrence.confirmation_ttl_seconds)
    return [
        _to_account_holder(
            "email_change_confirmation",
            {"confirmation_url": event.confirmation_url, "valid_for": valid_for},
            event,
            event.new_email,
        ),
        _to_account_holder(
            "email_change_notice",
            {"masked_new_email": mask_address(event.new_email), "valid_for": valid_for},
            event,
            event.old_email,
        ),
    ]


@_plans(EmailChanged)
def _email_changed(event: EmailChanged, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {"masked_old_email": mask_address(event.old_email)}
    return [_to_account_holder("email_changed", context, event, event.new_email)]


@_plans(PasswordChanged)
def _password_changed(event: PasswordChanged, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {"login_url": occurrence.link("/connexion")}
    return [_to_account_holder("password_changed", context, event, event.email)]


@_plans(SignInAttacked)
def _sign_in_attacked(event: SignInAttacked, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        "failures": event.failures,
        "window": duration_fr(event.window_minutes * 60),
        "reset_url": occurrence.link("/mot-de-passe"),
    }
    return [_to_account_holder("sign_in_attacked", context, event, event.email)]


@_plans(UserActivated)
def _activated(event: UserActivated, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {"role": event.role, "login_url": occurrence.link("/connexion")}
    return [_to_account_holder("account_activated", context, event, event.email)]


@_plans(UserDeleted)
def _deleted(event: UserDeleted, occurrence: Occurrence) -> list[OutgoingEmail]:
    if event.reason == "unconfirmed":
        # Never activated: the address was never proven to be its owner's, and they
        # asked for nothing. Its erasure goes on all the same.
        return []
    context = {"signup_url": occurrence.link("/"), "inactivity": event.reason == "inactivity"}
    return [_to_account_holder("account_deleted", context, event, event.email, erases_user=True)]


@_plans(CriminalRecordDecided)
def _record(event: CriminalRecordDecided, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        "verified": event.decision == "verified",
        "note": event.note,
        "decided_on": day_fr(event.decided_at),
        "profile_url": occurrence.link("/mon-profil"),
    }
    return [OutgoingEmail("criminal_record_decision", context, user_id=event.ambassador_id)]


@_plans(StaffVerificationDecided)
def _staff_verification(
    event: StaffVerificationDecided, occurrence: Occurrence
) -> list[OutgoingEmail]:
    context = {
        "verified": event.decision == "verified",
        "establishment": event.establishment_name,
        "reason": event.reason,
        "directory_url": occurrence.link("/ambassadeurs"),
        "profile_url": occurrence.link("/mon-profil"),
    }
    return [OutgoingEmail("staff_verification_decision", context, user_id=event.user_id)]


@_plans(PartnershipRequested)
def _partnership_requested(
    event: PartnershipRequested, occurrence: Occurrence
) -> list[OutgoingEmail]:
    context = {
        "organization": event.organization_name,
        "sponsorship": event.sponsorship,
        "url": occurrence.link("/admin/partenaires"),
    }
    return [
        OutgoingEmail("partnership_requested", context, user_id=admin_id)
        for admin_id in dict.fromkeys(event.admin_ids)
    ]


@_plans(AmbassadorSuspended)
def _suspended(event: AmbassadorSuspended, occurrence: Occurrence) -> list[OutgoingEmail]:
    return [
        OutgoingEmail("ambassador_suspended", {"reason": event.reason}, user_id=event.ambassador_id)
    ]


@_plans(AmbassadorReinstated)
def _reinstated(event: AmbassadorReinstated, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {"agenda_url": occurrence.link("/agenda")}
    return [OutgoingEmail("ambassador_reinstated", context, user_id=event.ambassador_id)]


@_plans(CriminalRecordRenewalRequested)
def _record_renewal(
    event: CriminalRecordRenewalRequested, occurrence: Occurrence
) -> list[OutgoingEmail]:
    context = {
        "valid_until": day_fr(event.valid_until),
        "profile_url": occurrence.link("/mon-profil"),
    }
    return [OutgoingEmail("criminal_record_renewal", context, user_id=event.ambassador_id)]


@_plans(CriminalRecordExpired)
def _record_expired(event: CriminalRecordExpired, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        "expired_on": day_fr(event.expired_at),
        "profile_url": occurrence.link("/mon-profil"),
    }
    return [OutgoingEmail("criminal_record_expired", context, user_id=event.ambassador_id)]


@_plans(InactivityWarned)
def _inactive(event: InactivityWarned, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {"deletion_on": day_fr(event.deletion_at), "login_url": occurrence.link("/connexion")}
    return [_to_account_holder("account_inactivity_warning", context, event, event.email)]


# agenda --------------------------------------------------------------------------


def _audience(level: str | None, group_size: int | None) -> str | None:
    pupils = f"{group_size} élève{'s' if group_size > 1 else ''}" if group_size else None
    return ", ".join(part for part in (level, pupils) if part) or None


def appointment_context(facts: AppointmentFacts, occurrence: Occurrence) -> dict[str, Any]:
    """What every appointment email shows, in French."""
    establishment = facts.establishment
    return {
        "appointment_id": facts.appointment_id,
        "kind": kind_fr(facts.kind),
        "format": format_fr(facts.format),
        "online": facts.format == "online",
        "online_url": facts.online_url,
        "when": datetime_fr(facts.starts_at),
        "day": day_fr(facts.starts_at),
        "time": time_fr(facts.starts_at),
        "duration": minutes_fr(facts.duration_minutes),
        "establishment": establishment.name,
        "city": establishment.city,
        "postcode": establishment.postcode,
        "audience": _audience(facts.audience_level, facts.group_size),
        "topic": facts.topic,
        "ambassador_name": facts.ambassador_name,
        "requester_name": facts.requester_name,
        "url": occurrence.link(f"/agenda/rendez-vous/{facts.appointment_id}"),
    }


def _invite(
    facts: AppointmentFacts,
    occurrence: Occurrence,
    *,
    method: Method,
    uid: str,
    sequence: int,
    other_party: str,
) -> CalendarInvite:
    place = (
        facts.online_url or "En ligne"
        if facts.format == "online"
        else f"{facts.establishment.name}, {facts.establishment.city}"
    )
    url = occurrence.link(f"/agenda/rendez-vous/{facts.appointment_id}")
    return CalendarInvite(
        method=method,
        uid=uid,
        sequence=sequence,
        summary=f"Proch'Orientation : {kind_fr(facts.kind)} – {facts.establishment.name}",
        description=f"{sentence(f'Avec {other_party}')} Détails et messagerie : {url}",
        location=place,
        starts_at=facts.starts_at,
        duration_minutes=facts.duration_minutes,
        url=url,
    )


@_plans(SolicitationCreated)
def _solicited(event: SolicitationCreated, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        **appointment_context(event.appointment, occurrence),
        "message": event.message,
        "requester_is_referent": event.requester_role == "referent",
    }
    return [OutgoingEmail("solicitation_created", context, user_id=event.appointment.ambassador_id)]


@_plans(AppointmentAccepted)
def _accepted(event: AppointmentAccepted, occurrence: Occurrence) -> list[OutgoingEmail]:
    facts = event.appointment
    context = {**appointment_context(facts, occurrence), "message": event.message}
    uid, sequence = event.calendar.uid, event.calendar.sequence

    def invite(other_party: str) -> CalendarInvite:
        return _invite(
            facts, occurrence, method="REQUEST", uid=uid, sequence=sequence, other_party=other_party
        )

    return [
        OutgoingEmail(
            "appointment_accepted",
            context,
            user_id=facts.requester_id,
            calendar=invite(facts.ambassador_name),
        ),
        OutgoingEmail(
            "appointment_confirmed",
            context,
            user_id=facts.ambassador_id,
            calendar=invite(facts.requester_name),
        ),
    ]


@_plans(AppointmentRefused)
def _refused(event: AppointmentRefused, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        **appointment_context(event.appointment, occurrence),
        "message": event.message,
        "alternatives": [
            {"when": datetime_fr(slot.starts_at), "duration": minutes_fr(slot.duration_minutes)}
            for slot in event.alternative_slots
        ],
    }
    return [OutgoingEmail("appointment_refused", context, user_id=event.appointment.requester_id)]


@_plans(AppointmentCancelled)
def _cancelled(event: AppointmentCancelled, occurrence: Occurrence) -> list[OutgoingEmail]:
    facts = event.appointment
    context = {
        **appointment_context(facts, occurrence),
        "reason": event.reason,
        "late": event.late,
        "cancelled_by": {
            "ambassador": facts.ambassador_name,
            "requester": facts.requester_name,
            "referent": "le référent territorial",
            "system": "la plateforme",
        }[event.cancelled_by],
        "cancelled_by_ambassador": event.cancelled_by == "ambassador",
    }
    # Each side's calendar holds the invitation once accepted: a CANCEL with the same
    # UID and a higher SEQUENCE removes it (RFC 5546 §3.2.5).
    sequence = event.calendar.sequence + 1 if event.calendar else 0
    uid = event.calendar.uid if event.calendar else ""
    sides = [
        ("ambassador", facts.ambassador_id, facts.requester_name),
        ("requester", facts.requester_id, facts.ambassador_name),
    ]
    emails = []
    for side, user_id, other_party in sides:
        told = event.cancelled_by != side
        if not told and not event.calendar:
            continue
        calendar = (
            _invite(
                facts,
                occurrence,
                method="CANCEL",
                uid=uid,
                sequence=sequence,
                other_party=other_party,
            )
            if event.calendar
            else None
        )
        # The one who cancelled only needs their calendar cleaned: a short receipt.
        template = "appointment_cancelled" if told else "appointment_cancellation_receipt"
        emails.append(OutgoingEmail(template, context, user_id=user_id, calendar=calendar))
    return emails


@_plans(AppointmentExpired)
def _expired(event: AppointmentExpired, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        **appointment_context(event.appointment, occurrence),
        "search_url": occurrence.link("/ambassadeurs"),
    }
    return [OutgoingEmail("appointment_expired", context, user_id=event.appointment.requester_id)]


@_plans(SolicitationReminded)
def _reminded(event: SolicitationReminded, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = appointment_context(event.appointment, occurrence)
    return [
        OutgoingEmail("solicitation_reminder", context, user_id=event.appointment.ambassador_id)
    ]


@_plans(SolicitationEscalated)
def _escalated(event: SolicitationEscalated, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        **appointment_context(event.appointment, occurrence),
        "suggestions": [
            {
                "name": suggestion.name,
                "job_title": suggestion.job_title,
                "sector": suggestion.sector,
                "url": occurrence.link(f"/ambassadeurs/{suggestion.ambassador_id}"),
            }
            for suggestion in event.suggestions
        ],
    }
    return [
        OutgoingEmail("solicitation_escalated", context, user_id=referent_id)
        for referent_id in dict.fromkeys(event.referent_ids)
    ]


@_plans(AppointmentCompleted)
def _completed(event: AppointmentCompleted, occurrence: Occurrence) -> list[OutgoingEmail]:
    facts = event.appointment
    context = appointment_context(facts, occurrence)
    return [
        OutgoingEmail(
            "feedback_request",
            {**context, "other_party": facts.requester_name, "as_ambassador": True},
            user_id=facts.ambassador_id,
        ),
        OutgoingEmail(
            "feedback_request",
            {**context, "other_party": facts.ambassador_name, "as_ambassador": False},
            user_id=facts.requester_id,
        ),
    ]


def call_context(call: CallFacts, occurrence: Occurrence) -> dict[str, Any]:
    """What every email about an open call for an event shows, in French."""
    establishment = call.establishment
    return {
        "title": call.title,
        "event_type": event_type_fr(call.event_type),
        "format": format_fr(call.format),
        "online": call.format == "online",
        "online_url": call.online_url,
        "when": datetime_fr(call.starts_at),
        "day": day_fr(call.starts_at),
        "duration": minutes_fr(call.duration_minutes),
        "establishment": establishment.name,
        "city": establishment.city,
        "audience": _audience(call.audience_level, call.group_size),
        "description": call.description,
        "places": call.places,
        "places_left": call.places_left,
        "organiser_name": call.organiser_name,
        "url": occurrence.link(f"/agenda/appels/{call.call_id}"),
    }


def _to_invited(template: str, event: CallNotice, occurrence: Occurrence) -> list[OutgoingEmail]:
    """``template`` about the call, once to each ambassador it names."""
    context = call_context(event.call, occurrence)
    return [
        OutgoingEmail(template, context, user_id=recipient)
        for recipient in dict.fromkeys(event.recipient_ids)
    ]


@_plans(CallPublished)
def _call_published(event: CallPublished, occurrence: Occurrence) -> list[OutgoingEmail]:
    return _to_invited("call_published", event, occurrence)


@_plans(CallFilled)
def _call_filled(event: CallFilled, occurrence: Occurrence) -> list[OutgoingEmail]:
    return _to_invited("call_filled", event, occurrence)


# messaging -----------------------------------------------------------------------


@_plans(MessageRelayed)
def _relayed(event: MessageRelayed, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        "message_subject": event.subject,
        "body": event.body,
        "sender_display": event.sender_display,
        "conversation_url": event.conversation_url,
    }
    relay = RelayHeaders(
        sender_display=event.sender_display,
        reply_to=event.reply_to,
        message_id=event.mail_message_id,
        in_reply_to=event.in_reply_to,
        references=tuple(event.references),
    )
    return [OutgoingEmail("relayed_message", context, user_id=event.recipient_id, relay=relay)]


@_plans(InboundReplyHeld)
def _held(event: InboundReplyHeld, occurrence: Occurrence) -> list[OutgoingEmail]:
    context = {
        "received_at": datetime_fr(event.received_at),
        "conversation_subject": event.subject,
        "conversation_url": event.conversation_url,
    }
    return [OutgoingEmail("inbound_reply_held", context, user_id=event.recipient_id)]
