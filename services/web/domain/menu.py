"""The menu each role sees, in the order of daily use (Agenda first, sign-out last)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MenuItem:
    """One entry of the header's menu."""

    label: str
    path: str

    def current(self, path: str) -> bool:
        """Whether ``path`` is this entry's page or one below it."""
        return path == self.path or path.startswith(self.path.rstrip("/") + "/")


AGENDA = MenuItem("Agenda", "/agenda")
MESSAGING = MenuItem("Messagerie", "/messagerie")
PROFILE = MenuItem("Mon profil", "/mon-profil")

_BY_ROLE: dict[str, tuple[MenuItem, ...]] = {
    "ambassador": (
        AGENDA,
        MESSAGING,
        MenuItem("Préparer mon intervention", "/preparer-mon-intervention"),
        PROFILE,
    ),
    "staff": (AGENDA, MESSAGING, MenuItem("Trouver un ambassadeur", "/ambassadeurs"), PROFILE),
    "referent": (
        AGENDA,
        MESSAGING,
        MenuItem("File de travail", "/referents/file-de-travail"),
        MenuItem("Ambassadeurs", "/referents/ambassadeurs"),
        MenuItem("Statistiques", "/referents/statistiques"),
        PROFILE,
    ),
    "partner": (MenuItem("Mon organisation", "/partenaires"), PROFILE),
    "admin": (
        MenuItem("Administration", "/admin"),
        MenuItem("File de travail", "/referents/file-de-travail"),
        MenuItem("Statistiques", "/referents/statistiques"),
        PROFILE,
    ),
}

SIGNED_OUT = (
    MenuItem("Devenir ambassadeur", "/nous-rejoindre"),
    MenuItem("Questions fréquentes", "/questions"),
    MenuItem("Se connecter", "/connexion"),
)


def menu_for(role: str | None) -> tuple[MenuItem, ...]:
    """The entries of the menu for a role (None: signed out)."""
    if role is None:
        return SIGNED_OUT
    return _BY_ROLE.get(role, (PROFILE,))


ROLE_NAMES = {
    "ambassador": "ambassadeur",
    "staff": "équipe éducative",
    "referent": "référent territorial",
    "partner": "partenaire",
    "admin": "administrateur",
}

# Where each role lands after signing in: the page of its daily work.
_START_PAGES = {
    "ambassador": "/agenda",
    "staff": "/agenda",
    "referent": "/referents/file-de-travail",
    "partner": "/partenaires",
    "admin": "/admin",
}


def start_page(role: str) -> str:
    """The first page of a role once signed in."""
    return _START_PAGES.get(role, "/mon-profil")
