"""« Trouver un ambassadeur »: the search form's fields, checked, as the directory API's query.

The form is a GET (a search can be bookmarked and shared); its fields have French
names in the address, the API's parameters English ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from services.web.domain.labels import INTERVENTIONS, PROFILES

MAX_WORDS = 200

# form field → (API parameter, message when the value is not one of the list)
_CHOICES = {
    "secteur": ("sector", "Choisissez un secteur dans la liste."),
    "departement": ("department", "Choisissez un département dans la liste."),
    "bassin": ("bassin", "Choisissez un bassin dans la liste."),
    "intervention": ("kind", "Choisissez un type d'intervention dans la liste."),
    "format": ("format", "Choisissez « en présentiel » ou « à distance »."),
    "profil": ("profile", "Choisissez un profil dans la liste."),
}
CURSOR = "curseur"


@dataclass(frozen=True)
class DirectorySearch:
    """What was asked: the form's values, its problems, and the API's query."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)

    @property
    def filtered(self) -> bool:
        """Whether any word or filter was given (the empty state says so)."""
        return any(self.values.values())

    def page(self, cursor: str | None = None) -> str:
        """The address of this search: its first page, or the one after ``cursor``."""
        kept = {name: value for name, value in self.values.items() if value}
        if cursor:
            kept[CURSOR] = cursor
        return "/ambassadeurs" + (f"?{urlencode(kept)}" if kept else "")


def directory_search(
    query: Mapping[str, str],
    *,
    sectors: Iterable[str],
    departments: Iterable[str],
    bassins: Iterable[str],
) -> DirectorySearch:
    """The search of ``query`` (the page's address), each filter checked against its list."""
    allowed = {
        "secteur": set(sectors),
        "departement": set(departments),
        "bassin": set(bassins),
        "intervention": set(INTERVENTIONS),
        "format": {"online"},
        "profil": set(PROFILES),
    }
    values = {"mots": query.get("mots", "").strip()}
    errors: dict[str, str] = {}
    params: dict[str, str] = {}
    if len(values["mots"]) > MAX_WORDS:
        errors["mots"] = f"Saisissez {MAX_WORDS} caractères au plus."
    elif values["mots"]:
        params["q"] = values["mots"]
    for name, (parameter, message) in _CHOICES.items():
        value = query.get(name, "").strip()
        values[name] = value
        if not value:
            continue
        if value in allowed[name]:
            params[parameter] = value
        else:
            errors[name] = message
    cursor = query.get(CURSOR, "").strip()
    if cursor and not errors:
        params["cursor"] = cursor
    return DirectorySearch(values, errors, params)
