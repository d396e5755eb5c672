"""The subject a conversation's emails carry, in French."""

from __future__ import annotations

from datetime import datetime

from shared.french import day_fr

KINDS = {
    "class_presentation": "Présentation en classe",
    "event": "Événement",
    "company_visit": "Visite d'entreprise",
    "discovery_internship": "Stage de découverte",
}


def conversation_subject(kind: str, starts_at: datetime, establishment: str) -> str:
    """ "Présentation en classe du jeudi 12 mars 2026 — Collège Jean Moulin"."""
    label = KINDS.get(kind, "Intervention")
    return f"{label} du {day_fr(starts_at)} — {establishment}"


def reply_subject(subject: str) -> str:
    """The subject of every message after the first: mail programs thread on it."""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"
