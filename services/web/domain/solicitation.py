"""« Solliciter »: the visit brief typed in the form, checked, as the agenda API's request.

The form's fields have French names; the API's answer names its own fields and
codes, which :func:`field_of_refusal` places next to the field to fix. The agenda API
stays the judge of the programme's rules (the ambassador's zone, pause, monthly
maximum…); these checks catch what a person can fix before sending.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from services.web.domain.forms import Form
from services.web.domain.labels import FORMATS, INTERVENTIONS
from shared.french import PARIS, datetime_fr, minutes_fr

CLASS_PRESENTATION = "class_presentation"
CLASS_PRESENTATION_MAX_MINUTES = 45
MAX_MINUTES = 8 * 60  # a visit of a day at most through the form
MAX_GROUP = 1000
TOO_LONG = (
    "Une présentation en classe dure 45 minutes au plus : indiquez une durée de 45 minutes "
    "ou moins."
)
UAI = re.compile(r"^\d{7}[A-Za-z]$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_URL = re.compile(r"^https?://\S+\.\S+$")

# The form's fields, in the order of the page (the error summary follows it).
FIELDS = (
    "uai",
    "type",
    "format",
    "lien",
    "jour",
    "heure",
    "duree",
    "niveau",
    "effectif",
    "theme",
    "attentes",
    "materiel",
    "message",
    "engagement",
)

# The API's field (``audience.group_size``) → the form's.
_API_FIELDS = {
    "establishment": "uai",
    "establishment.uai": "uai",
    "kind": "type",
    "format": "format",
    "online_url": "lien",
    "starts_at": "jour",
    "duration_minutes": "duree",
    "audience.level": "niveau",
    "audience.group_size": "effectif",
    "topic": "theme",
    "expectations": "attentes",
    "equipment": "materiel",
    "message": "message",
    "team_member_present": "engagement",
}

# The API's refusal codes that one field of the form can fix.
_API_CODES = {
    "class_presentation_too_long": "duree",
    "start_in_past": "jour",
    "ambassador_paused": "jour",
    "monthly_maximum_reached": "jour",
    "overlapping_appointment": "jour",
    "kind_not_accepted": "type",
    "online_url_required": "lien",
    "team_member_required": "engagement",
    "outside_zone": "uai",
    "outside_territory": "uai",
    "establishment_required": "uai",
    "establishment_not_yours": "uai",
}


_OPTIONAL_ROWS = (
    ("expectations", "Attentes"),
    ("equipment", "Matériel sur place"),
    ("message", "Message"),
)


@dataclass(frozen=True)
class Brief:
    """A brief read from the form: the API's request when nothing is wrong."""

    form: Form
    request: dict[str, Any] | None


def read_brief(
    form: Form,
    *,
    ambassador_id: str,
    kinds: Iterable[str],
    today: date,
    asks_establishment: bool,
) -> Brief:
    """The form checked field by field; ``request`` lacks the establishment (the page
    adds it, found from the person's account or the UAI typed)."""
    if asks_establishment:
        uai = form.required("uai", "Indiquez le code UAI de l'établissement, par exemple 0590117G.")
        if uai and not UAI.match(uai):
            form.fail("uai", "Indiquez un code UAI de sept chiffres et une lettre (0590117G).")
    kind = form.choice("type", kinds, "Choisissez le type d'intervention.")
    place = form.choice(
        "format", FORMATS, "Indiquez si l'intervention a lieu dans l'établissement ou à distance."
    )
    link = form.text("lien")
    if place == "online":
        if not link:
            form.fail("lien", "Indiquez le lien de connexion de l'intervention à distance.")
        elif not _URL.match(link) or len(link) > 500:
            form.fail(
                "lien",
                "Indiquez un lien qui commence par https://, par exemple https://visio.exemple.fr/salle.",
            )
    starts_at = _start(form, today)
    duration = form.number("duree", "Indiquez la durée en minutes.", low=1, high=MAX_MINUTES)
    if duration and kind == CLASS_PRESENTATION and duration > CLASS_PRESENTATION_MAX_MINUTES:
        form.fail("duree", TOO_LONG)
    level = form.required("niveau", "Indiquez le niveau des élèves, par exemple 3e.", max_length=40)
    group = form.number("effectif", "Indiquez le nombre d'élèves.", low=1, high=MAX_GROUP)
    topic = form.required("theme", "Indiquez le thème de l'intervention.", max_length=300)
    expectations = form.optional("attentes", max_length=2000)
    equipment = form.optional("materiel", max_length=500)
    message = form.optional("message", max_length=2000)
    if not form.checked("engagement"):
        form.fail(
            "engagement",
            "Cochez l'engagement : un membre de l'équipe éducative reste avec les élèves.",
        )
    if not form.ok or starts_at is None or duration is None or group is None:
        return Brief(form, None)
    request: dict[str, Any] = {
        "ambassador_id": ambassador_id,
        "kind": kind,
        "format": place,
        "starts_at": starts_at.isoformat(),
        "duration_minutes": duration,
        "audience": {"level": level, "group_size": group},
        "topic": topic,
        "team_member_present": True,
    }
    optional = {
        "online_url": link if place == "online" else None,
        "expectations": expectations,
        "equipment": equipment,
        "message": message,
    }
    request.update({key: value for key, value in optional.items() if value})
    return Brief(form, request)


def _start(form: Form, today: date) -> datetime | None:
    """The day and time typed, in Europe/Paris; after today."""
    day = form.day("jour", "Indiquez la date de l'intervention.")
    if day is not None and day <= today:
        form.fail("jour", "Indiquez une date après aujourd'hui.")
        day = None
    hour = form.text("heure")
    if not hour:
        form.fail("heure", "Indiquez l'heure de début, par exemple 10:00.")
        return None
    if not _TIME.match(hour):
        form.fail("heure", "Indiquez une heure au format 10:00.")
        return None
    if day is None:
        return None
    return datetime.combine(day, time.fromisoformat(hour), tzinfo=PARIS)


def field_of_refusal(code: str, fields: Mapping[str, str]) -> dict[str, str]:
    """The form's field for each of the API's field messages, or for its refusal code."""
    placed = {_API_FIELDS[path]: message for path, message in fields.items() if path in _API_FIELDS}
    if not placed and code in _API_CODES:
        return {_API_CODES[code]: ""}
    return placed


def check_rows(
    request: Mapping[str, Any], establishment: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """« Vérifiez votre demande »: what will be sent, as the person reads it."""
    starts_at = datetime.fromisoformat(str(request["starts_at"]))
    level, size = request["audience"]["level"], request["audience"]["group_size"]
    place = FORMATS[request["format"]]
    if request.get("online_url"):
        place += f" : {request['online_url']}"
    rows = [
        (
            "Établissement",
            f"{establishment['name']}, {establishment['postcode']} {establishment['city']}",
        ),
        ("Type d'intervention", INTERVENTIONS.get(request["kind"], request["kind"])),
        ("Format", place),
        ("Date et heure", datetime_fr(starts_at)),
        ("Durée", minutes_fr(int(request["duration_minutes"]))),
        ("Public", f"{level}, {size} élève{'s' if size > 1 else ''}"),
        ("Thème", str(request["topic"])),
    ]
    for key, label in _OPTIONAL_ROWS:
        if request.get(key):
            rows.append((label, str(request[key])))
    rows.append(("Membre de l'équipe éducative présent", "Oui, pendant toute l'intervention"))
    return rows
