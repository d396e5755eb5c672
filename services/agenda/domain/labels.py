"""How agenda's words read in French: kinds, dates, and the lines of the notification feed."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from services.agenda.domain.model import Appointment, CancelledBy
from shared.french import datetime_fr

KIND_LABELS = {
    "class_presentation": "présentation en classe",
    "event": "événement",
    "company_visit": "visite d'entreprise",
    "discovery_internship": "stage de découverte",
}

NotificationKind = Literal[
    "solicitation_received",
    "solicitation_reminder",
    "solicitation_escalated",
    "appointment_accepted",
    "appointment_refused",
    "alternative_taken",
    "appointment_cancelled",
    "appointment_expired",
    "appointment_completed",
    "solicitation_redirected",
]
CallNotificationKind = Literal["call_published", "call_filled", "call_closed", "call_place_taken"]


def _what(appointment: Appointment) -> str:
    return (
        f"{KIND_LABELS[appointment.kind]} le {datetime_fr(appointment.starts_at)} "
        f"({appointment.establishment.name}, {appointment.establishment.city})"
    )


def _canceller(appointment: Appointment, by: CancelledBy) -> str:
    return {
        "ambassador": appointment.ambassador.name,
        "requester": appointment.requester.name,
        "referent": "Le référent territorial",
        "system": "La plateforme",
    }[by]


def notification_text(
    kind: NotificationKind, appointment: Appointment, *, suggestions: int = 0
) -> str:
    """The line the feed shows for ``kind`` about ``appointment``."""
    what = _what(appointment)
    ambassador, requester = appointment.ambassador.name, appointment.requester.name
    if kind == "solicitation_received":
        return f"Nouvelle sollicitation de {requester} : {what}. Merci d'y répondre."
    if kind == "solicitation_reminder":
        return f"Rappel : la sollicitation de {requester} attend votre réponse : {what}."
    if kind == "solicitation_escalated":
        proposals = f" {suggestions} autre(s) ambassadeur(s) possible(s)." if suggestions else ""
        return (
            f"Sollicitation sans réponse de {ambassador}, demandée par {requester} : "
            f"{what}.{proposals}"
        )
    if kind == "appointment_accepted":
        return f"{ambassador} a accepté votre sollicitation : {what}."
    if kind == "appointment_refused":
        offers = len(appointment.alternative_slots)
        other = f" et propose {offers} autre(s) créneau(x)" if offers else ""
        return f"{ambassador} a décliné votre sollicitation{other} : {what}."
    if kind == "alternative_taken":
        return f"{requester} a retenu un créneau que vous aviez proposé : {what}."
    if kind == "appointment_cancelled":
        cancellation = appointment.cancellation
        by = _canceller(appointment, cancellation.by) if cancellation else "La plateforme"
        late = " (annulation tardive)" if cancellation and cancellation.late else ""
        return f"{by} a annulé le rendez-vous{late} : {what}."
    if kind == "appointment_expired":
        return f"Votre sollicitation de {ambassador} a expiré sans réponse : {what}."
    if kind == "solicitation_redirected":
        return (
            f"Le référent territorial a adressé votre sollicitation restée sans réponse "
            f"à {ambassador} : {what}."
        )
    return f"Intervention terminée, donnez votre avis : {what}."


def call_notification_text(
    kind: CallNotificationKind,
    *,
    title: str,
    starts_at: datetime,
    establishment: str,
    city: str,
    places_left: int,
    places: int,
    attendee: str | None = None,
) -> str:
    """The line the feed shows about an open call for an event."""
    what = f"« {title} » le {datetime_fr(starts_at)} ({establishment}, {city})"
    if kind == "call_published":
        return (
            f"Appel à participation : {what}. {places_left} place(s) disponible(s) : "
            f"les premiers à répondre les prennent."
        )
    if kind == "call_filled":
        return f"Toutes les places sont prises pour {what}. Merci de votre disponibilité !"
    if kind == "call_closed":
        return f"L'appel à participation pour {what} est clos : il ne prend plus d'inscription."
    return f"{attendee} participera à {what} ({places - places_left}/{places} places prises)."
