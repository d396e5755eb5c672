"""How the programme's words read in French emails (dates and durations: ``shared.french``)."""

from __future__ import annotations

KIND_LABELS = {
    "class_presentation": "présentation en classe",
    "event": "événement (forum, salon, portes ouvertes)",
    "company_visit": "visite d'entreprise",
    "discovery_internship": "stage de découverte",
}

FORMAT_LABELS = {"in_person": "en présentiel", "online": "à distance"}

EVENT_TYPE_LABELS = {
    "forum": "forum des métiers",
    "salon": "salon",
    "portes_ouvertes": "journée portes ouvertes",
}


def kind_fr(kind: str) -> str:
    """The kind of intervention in French words."""
    return KIND_LABELS.get(kind, kind)


def format_fr(format_: str) -> str:
    """In person or online, in French."""
    return FORMAT_LABELS.get(format_, format_)


def mask_address(address: str) -> str:
    """``j***@exemple.fr``: enough to recognise one's address, not to harvest it."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def event_type_fr(event_type: str) -> str:
    """« forum des métiers », « salon », « journée portes ouvertes »."""
    return EVENT_TYPE_LABELS.get(event_type, event_type)
