"""Which emails a person may decline, and why the others always come.

A person may turn off a *kind* of email that asks nothing they owe an answer to
(feedback requests, open calls). The others are part of using the platform: their
account and its security, a request waiting for their answer, an intervention they
take part in (answers and cancellations), a message written to them. Each of those
says in its footer why it comes. Every template is in exactly one of the two tables
(a test checks it), so a new template needs a decision.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmailKind:
    """A kind of email a person may decline, as the settings page shows it."""

    code: str
    label: str
    hint: str


FEEDBACK = EmailKind(
    "feedback",
    "Demandes d'avis après une intervention",
    "Un e-mail après chaque intervention pour donner une note et un commentaire.",
)
CALLS = EmailKind(
    "calls",
    "Appels à ambassadeurs pour un événement",
    "Les forums, salons et portes ouvertes de votre zone qui cherchent des ambassadeurs.",
)
KINDS: dict[str, EmailKind] = {kind.code: kind for kind in (FEEDBACK, CALLS)}

# Template → the kind a person may decline.
DECLINABLE: dict[str, EmailKind] = {
    "feedback_request": FEEDBACK,
    "call_published": CALLS,
    "call_filled": CALLS,
}

_ACCOUNT = (
    "Vous recevez cet e-mail parce qu'il concerne votre compte et sa sécurité : "
    "il ne peut pas être désactivé."
)
_ENGAGEMENT = (
    "Vous recevez cet e-mail parce qu'il concerne votre engagement dans le programme : "
    "il ne peut pas être désactivé."
)
_PENDING = (
    "Vous recevez cet e-mail parce qu'une demande attend votre réponse : "
    "il ne peut pas être désactivé."
)
_TERRITORY = (
    "Vous recevez cet e-mail parce qu'une demande de votre territoire attend une réponse : "
    "il ne peut pas être désactivé."
)
_ADMINISTRATION = (
    "Vous recevez cet e-mail parce que vous administrez la plateforme : "
    "il ne peut pas être désactivé."
)
_APPOINTMENT = (
    "Vous recevez cet e-mail parce qu'il concerne une intervention à laquelle vous "
    "participez : il ne peut pas être désactivé."
)
_MESSAGE = (
    "Vous recevez cet e-mail parce qu'il concerne une conversation de votre messagerie : "
    "il ne peut pas être désactivé."
)

# Template → why it comes to a person who cannot decline it.
ALWAYS_SENT: dict[str, str] = {
    "account_confirmation": _ACCOUNT,
    "account_activated": _ACCOUNT,
    "account_deleted": _ACCOUNT,
    "account_inactivity_warning": _ACCOUNT,
    "email_change_confirmation": _ACCOUNT,
    "email_change_notice": _ACCOUNT,
    "email_changed": _ACCOUNT,
    "password_changed": _ACCOUNT,
    "password_reset": _ACCOUNT,
    "sign_in_attacked": _ACCOUNT,
    "staff_verification_decision": _ACCOUNT,
    "partnership_requested": _ADMINISTRATION,
    "ambassador_suspended": _ENGAGEMENT,
    "ambassador_reinstated": _ENGAGEMENT,
    "criminal_record_decision": _ENGAGEMENT,
    "criminal_record_expired": _ENGAGEMENT,
    "criminal_record_renewal": _ENGAGEMENT,
    "solicitation_created": _PENDING,
    "solicitation_reminder": _PENDING,
    "solicitation_escalated": _TERRITORY,
    "appointment_accepted": _APPOINTMENT,
    "appointment_confirmed": _APPOINTMENT,
    "appointment_refused": _APPOINTMENT,
    "appointment_cancelled": _APPOINTMENT,
    "appointment_cancellation_receipt": _APPOINTMENT,
    "appointment_expired": _APPOINTMENT,
    "relayed_message": _MESSAGE,
    "inbound_reply_held": _MESSAGE,
}


def declinable_kind(template: str) -> EmailKind | None:
    """The kind a person may decline for ``template``; ``None`` when it always comes."""
    return DECLINABLE.get(template)


def why_always_sent(template: str) -> str:
    """The footer sentence of an email nobody can decline."""
    return ALWAYS_SENT[template]
