"""How the agenda's answers read on the pages: whose side one is on, what happened when,
and what to do next. Pure functions over the agenda API's JSON (no I/O)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from services.web.domain.forms import Form
from shared.french import PARIS, sentence

Side = Literal["ambassador", "requester", "observer"]
When = Literal["upcoming", "past"]

# The dashboard's filter (« RDV à venir » / « RDV passés ») in the site's address.
PAST_VIEW = "passes"

# Cancelling closer to the visit than this is a late cancellation (the programme's rule).
LATE_CANCELLATION = timedelta(hours=48)
MAX_OTHER_SLOTS = 3
MAX_SLOT_MINUTES = 8 * 60
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SLOT_FIELD = re.compile(r"^alternative_slots\.(\d+)\.(starts_at|duration_minutes)$")

_CANCELLERS = {
    "ambassador": "l'ambassadeur",
    "requester": "le demandeur",
    "referent": "le référent territorial",
    "system": "la plateforme",
}


@dataclass(frozen=True)
class View:
    """One filter of the dashboard's list: its ``?vue=``, its words, the API's query."""

    slug: str | None
    label: str
    when: When
    statuses: tuple[str, ...]
    empty: str

    def address(self) -> str:
        """The dashboard showing this view."""
        return "/agenda" + (f"?vue={self.slug}" if self.slug else "")

    def params(self) -> dict[str, str]:
        """The appointment list's query."""
        found: dict[str, str] = {"when": self.when}
        if self.statuses:
            found["status"] = ",".join(self.statuses)
        return found


# The booklet's two filters for ambassadors; requesters follow their requests by status.
AMBASSADOR_VIEWS = (
    View(None, "RDV à venir", "upcoming", (), "Aucun rendez-vous à venir."),
    View(PAST_VIEW, "RDV passés", "past", (), "Aucun rendez-vous passé."),
)
REQUESTER_VIEWS = (
    View(None, "À venir", "upcoming", (), "Aucun rendez-vous à venir."),
    View("en-attente", "En attente", "upcoming", ("pending",), "Aucune demande en attente."),
    View("acceptees", "Acceptées", "upcoming", ("accepted",), "Aucune demande acceptée à venir."),
    View("refusees", "Refusées", "upcoming", ("refused",), "Aucune demande refusée à venir."),
    View("expirees", "Expirées", "past", ("expired",), "Aucune demande restée sans réponse."),
    View(PAST_VIEW, "Passées", "past", (), "Aucun rendez-vous passé."),
)


def views_for(role: str) -> tuple[View, ...]:
    """The dashboard's filters for the person's role."""
    return AMBASSADOR_VIEWS if role == "ambassador" else REQUESTER_VIEWS


def view_of(slug: str | None, views: tuple[View, ...]) -> View:
    """The view of ``?vue=`` (anything unknown: the first)."""
    return next((view for view in views if view.slug == slug), views[0])


def when_of(view: str | None) -> When:
    """The API's ``when`` for the ``?vue=`` of the page (anything else: upcoming)."""
    return "past" if view == PAST_VIEW else "upcoming"


def side_of(appointment: Mapping[str, Any], user_id: str) -> Side:
    """Whether the signed-in person is the ambassador, the requester, or looks on (referent)."""
    if appointment["ambassador"].get("id") == user_id:
        return "ambassador"
    if appointment["requester"].get("id") == user_id:
        return "requester"
    return "observer"


def heading_of(appointment: Mapping[str, Any]) -> str:
    """« Sollicitation » while unanswered, « Rendez-vous » once answered or past."""
    return "Sollicitation" if appointment["status"] == "pending" else "Rendez-vous"


@dataclass(frozen=True)
class Happening:
    """One line of « Ce qui s'est passé »: when (ISO 8601, as the API sends it) and what."""

    at: str
    text: str


def history(appointment: Mapping[str, Any]) -> list[Happening]:
    """What happened to a request, oldest first."""
    ambassador = appointment["ambassador"]["name"]
    requester = appointment["requester"]["name"]
    status = appointment["status"]
    found: list[Happening] = []
    if appointment.get("taken_from"):
        found.append(
            Happening(
                appointment["created_at"],
                f"Créneau proposé par {ambassador} retenu par {requester} : "
                "le rendez-vous est accepté.",
            )
        )
    else:
        found.append(
            Happening(appointment["created_at"], sentence(f"Sollicitation envoyée par {requester}"))
        )
    answer = appointment.get("answer")
    if answer and not appointment.get("taken_from"):
        verb = "Refusée" if status == "refused" else "Acceptée"
        found.append(Happening(answer["answered_at"], sentence(f"{verb} par {ambassador}")))
    if appointment.get("taken_as"):
        found.append(
            Happening(
                appointment["updated_at"],
                f"Un autre créneau proposé par {ambassador} a été retenu.",
            )
        )
    cancellation = appointment.get("cancellation")
    if cancellation:
        who = _CANCELLERS.get(cancellation["by"], cancellation["by"])
        late = " moins de 48 heures avant" if cancellation.get("late") else ""
        reason = f" Motif : {cancellation['reason']}" if cancellation.get("reason") else ""
        found.append(Happening(cancellation["cancelled_at"], f"Annulé{late} par {who}.{reason}"))
    if status == "expired":
        found.append(
            Happening(appointment["updated_at"], "Expirée : la date est passée sans réponse.")
        )
    if status == "completed":
        found.append(Happening(appointment["ends_at"], "Intervention réalisée."))
    for side, feedback in (appointment.get("feedback") or {}).items():
        who = ambassador if side == "ambassador" else requester
        found.append(Happening(feedback["given_at"], sentence(f"Avis donné par {who}")))
    return sorted(found, key=lambda happening: datetime.fromisoformat(happening.at))


def slots_to_take(appointment: Mapping[str, Any], side: Side) -> list[int]:
    """The other slots the requester may still retain (none once one is taken)."""
    if side != "requester" or appointment["status"] != "refused" or appointment.get("taken_as"):
        return []
    return [slot["index"] for slot in appointment["alternative_slots"] if not slot["taken"]]


def next_step(appointment: Mapping[str, Any], side: Side) -> str | None:
    """What the person should do now, in a sentence (None: nothing left to do)."""
    status = appointment["status"]
    ambassador = appointment["ambassador"]["name"]
    if status == "pending":
        if side == "ambassador":
            return (
                "Répondez à cette sollicitation : acceptez-la ou refusez-la. "
                "Une sollicitation ne doit pas rester sans réponse."
            )
        waiting = f"{ambassador} n'a pas encore répondu."
        return (
            f"{waiting} Vous recevrez un e-mail dès sa réponse." if side == "requester" else waiting
        )
    if status == "refused" and side == "requester":
        if slots_to_take(appointment, side):
            return f"{ambassador} vous propose d'autres créneaux : retenez celui qui vous convient."
        if not appointment.get("taken_as"):
            return "Vous pouvez solliciter un autre ambassadeur."
    if status == "accepted":
        if side == "ambassador":
            return (
                "Le rendez-vous est confirmé. Un membre de l'équipe éducative restera avec "
                "les élèves pendant votre intervention."
            )
        return f"Le rendez-vous est confirmé : {ambassador} viendra à la date prévue."
    return None


# --- cancelling -------------------------------------------------------------------------


def cancellable(appointment: Mapping[str, Any], now: datetime) -> bool:
    """Whether the request or appointment may still be cancelled (not begun, still on)."""
    starts_at = datetime.fromisoformat(appointment["starts_at"])
    return appointment["status"] in ("pending", "accepted") and starts_at > now


def is_late(appointment: Mapping[str, Any], now: datetime) -> bool:
    """Whether cancelling now is a late cancellation (less than 48 hours before)."""
    return datetime.fromisoformat(appointment["starts_at"]) - now < LATE_CANCELLATION


def cancelled_message(appointment: Mapping[str, Any], user_id: str) -> str:
    """The banner after a cancellation: what it was, and who is told."""
    side = side_of(appointment, user_id)
    what = (
        "La sollicitation est annulée"
        if appointment["status"] == "pending"
        else ("Le rendez-vous est annulé")
    )
    if side == "ambassador":
        told = appointment["requester"]["name"]
    elif side == "requester":
        told = appointment["ambassador"]["name"]
    else:
        told = f"{appointment['ambassador']['name']} et {appointment['requester']['name']}"
    return sentence(f"{what}. Un e-mail prévient {told}")


# --- other slots offered with a refusal -------------------------------------------------


def slot_fields(n: int) -> tuple[str, str, str]:
    """The form's fields of the ``n``-th other slot (from 1): day, time, minutes."""
    return f"creneau{n}_jour", f"creneau{n}_heure", f"creneau{n}_duree"


def read_slots(form: Form, *, today: date) -> list[dict[str, Any]]:
    """The other slots typed with a refusal (rows left empty are not slots)."""
    slots: list[dict[str, Any]] = []
    for n in range(1, MAX_OTHER_SLOTS + 1):
        day_field, time_field, minutes_field = slot_fields(n)
        # The duration comes filled in with the one asked: a row without a day nor a
        # time is not a slot.
        if not form.text(day_field) and not form.text(time_field):
            continue
        day = form.day(day_field, f"Indiquez la date du créneau {n}.")
        if day is not None and day <= today:
            form.fail(day_field, f"Indiquez pour le créneau {n} une date après aujourd'hui.")
        hour = form.text(time_field)
        if not _TIME.match(hour):
            form.fail(time_field, f"Indiquez l'heure du créneau {n}, par exemple 14:00.")
        minutes = form.number(
            minutes_field,
            f"Indiquez la durée du créneau {n} en minutes.",
            low=1,
            high=MAX_SLOT_MINUTES,
        )
        if day is None or minutes is None or not _TIME.match(hour):
            continue
        starts_at = datetime.combine(day, time.fromisoformat(hour), tzinfo=PARIS)
        slots.append({"starts_at": starts_at.isoformat(), "duration_minutes": minutes})
    return slots


def slot_field_of(fields: Mapping[str, str]) -> str | None:
    """The form's field of the first slot the API found wrong (``alternative_slots.1.…``)."""
    for path in fields:
        found = _SLOT_FIELD.match(path)
        if found:
            day_field, _, minutes_field = slot_fields(int(found[1]) + 1)
            return day_field if found[2] == "starts_at" else minutes_field
    return None


# --- feedback ---------------------------------------------------------------------------


def feedback_due(appointment: Mapping[str, Any], side: Side, now: datetime) -> bool:
    """Whether the person may give their opinion now (a party, after the visit, once)."""
    if side == "observer" or appointment["status"] not in ("accepted", "completed"):
        return False
    ended_at = datetime.fromisoformat(appointment["ends_at"])
    given = appointment.get("feedback") or {}
    return ended_at <= now and side not in given
