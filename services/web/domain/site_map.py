"""« Plan du site »: the pages a person may open, grouped as the menu groups them.

The menu is one way to find a page; RGAA 4.1 (criterion 12.1) asks for a second one
on every page. Each person sees the pages their role opens, and no page that would
answer « Cette page ne vous est pas ouverte ».
"""

from __future__ import annotations

from dataclasses import dataclass

from services.web.domain.audiences import (
    ADMIN,
    AGENDA_ROLES,
    AMBASSADOR,
    CALL_ROLES,
    DIRECTORY_ROLES,
    ORGANISERS,
    PARTNER,
    STAFF,
    STEERS,
)

# Who a page is for, beside role names.
ANYONE = "anyone"
SIGNED_OUT = "signed_out"
SIGNED_IN = "signed_in"


@dataclass(frozen=True)
class Page:
    """A page of the map: its name as its heading says it, its address, who opens it."""

    label: str
    path: str
    audience: tuple[str, ...]

    def opens_for(self, role: str | None) -> bool:
        """Whether a person of ``role`` (None: signed out) is meant to open this page."""
        if ANYONE in self.audience:
            return True
        if role is None:
            return SIGNED_OUT in self.audience
        return SIGNED_IN in self.audience or role in self.audience


@dataclass(frozen=True)
class Section:
    """A titled group of pages."""

    title: str
    pages: tuple[Page, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "Le programme",
        (
            Page("Accueil", "/", (ANYONE,)),
            Page("Questions fréquentes", "/questions", (ANYONE,)),
            Page("Charte de l'ambassadeur", "/charte", (ANYONE,)),
            Page("Préparer mon intervention", "/preparer-mon-intervention", (ANYONE,)),
            Page("Devenir partenaire", "/devenir-partenaire", (ANYONE,)),
        ),
    ),
    Section(
        "Nous rejoindre",
        (
            Page("Devenir ambassadeur ou rejoindre une équipe", "/nous-rejoindre", (SIGNED_OUT,)),
            Page("Se connecter", "/connexion", (SIGNED_OUT,)),
            Page("Mot de passe perdu", "/mot-de-passe", (SIGNED_OUT,)),
        ),
    ),
    Section(
        "Agenda",
        (
            Page("Agenda : notifications et rendez-vous", "/agenda", AGENDA_ROLES),
            Page("Appels à participation", "/agenda/appels", CALL_ROLES),
            Page("Publier un appel à participation", "/agenda/appels/nouveau", ORGANISERS),
            Page("Mon calendrier personnel", "/agenda/calendrier", AMBASSADOR),
        ),
    ),
    Section("Messagerie", (Page("Mes conversations", "/messagerie", AGENDA_ROLES),)),
    Section(
        "Ambassadeurs",
        (Page("Trouver un ambassadeur", "/ambassadeurs", DIRECTORY_ROLES),),
    ),
    Section(
        "Réseau",
        (
            Page("File de travail", "/referents/file-de-travail", STEERS),
            Page("Ambassadeurs du territoire", "/referents/ambassadeurs", STEERS),
            Page("Statistiques", "/referents/statistiques", STEERS),
        ),
    ),
    Section("Mon organisation", (Page("Mon organisation", "/partenaires", PARTNER),)),
    Section(
        "Administration",
        (
            Page("Administration", "/admin", ADMIN),
            Page("Comptes", "/admin/comptes", ADMIN),
            Page("Créer un référent territorial", "/admin/referents/nouveau", ADMIN),
            Page("Secteurs et métiers", "/admin/catalogue", ADMIN),
            Page("Partenaires", "/admin/partenaires", ADMIN),
            Page("Enregistrer une organisation", "/admin/partenaires/nouvelle", ADMIN),
            Page("Suppressions de comptes", "/admin/effacements", ADMIN),
            Page("Messages mis de côté", "/admin/messages-mis-de-cote", ADMIN),
        ),
    ),
    Section(
        "Mon profil",
        (
            Page("Mon profil", "/mon-profil", (SIGNED_IN,)),
            Page("Mise à jour de mes informations", "/mon-profil/modifier", (SIGNED_IN,)),
            Page("Votre métier ou votre formation", "/mon-profil/metier", AMBASSADOR),
            Page("Les interventions que vous acceptez", "/mon-profil/interventions", AMBASSADOR),
            Page("Votre zone d'intervention", "/mon-profil/zone", AMBASSADOR),
            Page("Mes disponibilités", "/mon-profil/disponibilites", AMBASSADOR),
            Page("Extrait de casier judiciaire", "/mon-profil/casier", AMBASSADOR),
            Page("Mon employeur partenaire", "/mon-profil/employeur", AMBASSADOR),
            Page("Changer d'établissement", "/mon-profil/etablissement", STAFF),
            Page("Changer d'adresse e-mail", "/mon-profil/email", (SIGNED_IN,)),
            Page("Changer de mot de passe", "/mon-profil/mot-de-passe", (SIGNED_IN,)),
            Page("Mes notifications", "/mon-profil/notifications", (SIGNED_IN,)),
            Page("Mes consentements", "/mon-profil/consentements", (SIGNED_IN,)),
            Page("Mes données", "/mon-profil/donnees", (SIGNED_IN,)),
            Page("Supprimer mon compte", "/mon-profil/supprimer", (SIGNED_IN,)),
        ),
    ),
    Section(
        "Informations",
        (
            Page("Mentions légales", "/mentions-legales", (ANYONE,)),
            Page("Données personnelles", "/donnees-personnelles", (ANYONE,)),
            Page("Déclaration d'accessibilité", "/accessibilite", (ANYONE,)),
        ),
    ),
)


def site_map_for(role: str | None) -> list[Section]:
    """The sections a person of ``role`` (None: signed out) sees, each with their pages."""
    shown = []
    for section in SECTIONS:
        pages = tuple(page for page in section.pages if page.opens_for(role))
        if pages:
            shown.append(Section(section.title, pages))
    return shown
