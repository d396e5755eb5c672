"""The subject a conversation's emails carry, in French."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

KINDS = {
    "class_presentation": "Présentation en classe",
    "event": "Événement",
    "company_visit": "Visite d'entreprise",
    "discovery_internship": "Stage de découverte",
}
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def day_fr(moment: datetime) -> str:
    """ "jeudi 12 mars 2026" in Paris time."""
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year}"


def conversation_subject(kind: str, starts_at: datetime, establishment: str) -> str:
    """ "Présentation en classe du jeudi 12 mars 2026 — Collège Jean Moulin"."""
    label = KINDS.get(kind, "Intervention")
    return f"{label} du {day_fr(starts_at)} — {establishment}"


def reply_subject(subject: str) -> str:
    """The subject of every message after the first: mail programs thread on it."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
