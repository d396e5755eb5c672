"""Partner organisations as the administrators' forms read and show them: the
partnership charter, the skills-sponsorship convention and the contact's account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.web.domain.forms import Form, paris_midnight
from shared.french import PARIS

ORGANISATION_KINDS = {
    "company": "Entreprise",
    "association": "Association",
    "training_body": "Organisme de formation",
    "public_body": "Organisme public",
    "other": "Autre",
}
# The accounts API's fields, and the form's fields that show their problems.
ORGANISATION_FIELDS = {
    "name": "nom",
    "siret": "siret",
    "kind": "type",
    "partnership_charter_signed_at": "charte",
    "sponsorship": "convention",
}
CONTACT_FIELDS = {
    "first_name": "prenom",
    "last_name": "nom",
    "email": "email",
    "phone": "telephone",
}
# The convention's figures and the form's fields that hold them.
_SPONSORSHIP = {
    "agreed_interventions": "interventions",
    "annual_revenue_eur": "chiffre_affaires",
    "hourly_loaded_cost_eur": "cout_horaire",
}


def read_organisation(form: Form) -> dict[str, Any] | None:
    """The whole organisation as the accounts API takes it (a field left empty is
    cleared), or None with each field's problem recorded in ``form``."""
    name = form.required("nom", "Indiquez le nom de l'organisation.", max_length=160)
    siret = (form.optional("siret", max_length=20) or "").replace(" ", "")
    kind = form.choice("type", ORGANISATION_KINDS, "Choisissez le type d'organisation.")
    charter = form.day("charte", "", required=False)
    signed = form.day("convention", "", required=False)
    agreed = form.number("interventions", "", low=0, high=100_000, required=False)
    revenue = form.amount("chiffre_affaires", high=1_000_000_000_000)
    hourly = form.amount("cout_horaire", high=10_000)
    if not form.ok:
        return None
    sponsorship = {
        key: value
        for key, value in {
            "signed_at": paris_midnight(signed).isoformat() if signed else None,
            "agreed_interventions": agreed,
            "annual_revenue_eur": revenue,
            "hourly_loaded_cost_eur": hourly,
        }.items()
        if value is not None
    }
    return {
        "name": name,
        "siret": siret or None,
        "kind": kind,
        "partnership_charter_signed_at": paris_midnight(charter).isoformat() if charter else None,
        "sponsorship": sponsorship or None,
    }


def organisation_values(organisation: dict[str, Any]) -> dict[str, str]:
    """The form's fields filled with ``organisation`` as the API gives it."""
    sponsorship = organisation.get("sponsorship") or {}
    values = {
        "nom": organisation["name"],
        "siret": organisation.get("siret") or "",
        "type": organisation["kind"],
        "charte": _day(organisation.get("partnership_charter_signed_at")),
        "convention": _day(sponsorship.get("signed_at")),
    }
    for key, field in _SPONSORSHIP.items():
        value = sponsorship.get(key)
        values[field] = "" if value is None else _number(value)
    return values


def read_contact(form: Form) -> dict[str, Any] | None:
    """The contact whose account reads the organisation's report, or None."""
    first = form.required("prenom", "Indiquez le prénom du contact.", max_length=80)
    last = form.required("nom", "Indiquez le nom du contact.", max_length=80)
    email = form.email("email", empty="Indiquez l'adresse e-mail du contact.")
    phone = form.optional("telephone", max_length=30)
    if not form.ok:
        return None
    body: dict[str, Any] = {"first_name": first, "last_name": last, "email": email}
    if phone:
        body["phone"] = phone
    return body


def contact_values(name: str, email: str, phone: str) -> dict[str, str]:
    """The contact's form filled from a partnership request (« Prénom Nom » in one)."""
    first, _, last = name.strip().partition(" ")
    return {"prenom": first, "nom": last.strip(), "email": email, "telephone": phone}


def _day(moment: str | None) -> str:
    return datetime.fromisoformat(moment).astimezone(PARIS).date().isoformat() if moment else ""


def _number(value: float) -> str:
    """« 45,5 » for 45.5 and « 12 » for 12.0, as a person types them."""
    if isinstance(value, float) and not value.is_integer():
        return str(value).replace(".", ",")
    return str(int(value))
