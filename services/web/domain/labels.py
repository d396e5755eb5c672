"""The French words for the API's values, as people read them on the pages."""

from __future__ import annotations

from services.web.domain import joining

# The words of the sign-up's choices, one word for one thing on every page.
PROFILES = {value: label for value, label, _ in joining.PROFILES}
INTERVENTIONS = {value: label for value, label, _ in joining.KINDS}
EMPLOYMENTS = {value: label for value, label, _ in joining.EMPLOYMENTS}

# The criminal-record check as its owner reads it, and the colour of its tag (words and
# colour always together).
RECORD_STATES = {
    "missing": ("À envoyer", "orange"),
    "submitted": ("En attente de vérification", "blue"),
    "verified": ("Vérifié", "green"),
    "rejected": ("Refusé", "red"),
    "expired": ("Expiré : à renouveler", "orange"),
}

# --- agenda -----------------------------------------------------------------------------

# An appointment's status as people read it, and the colour of its tag.
APPOINTMENT_STATES = {
    "pending": ("En attente de réponse", "orange"),
    "accepted": ("Accepté", "green"),
    "refused": ("Refusé", "red"),
    "cancelled": ("Annulé", "grey"),
    "expired": ("Sans réponse (expiré)", "grey"),
    "completed": ("Réalisé", "blue"),
}

FORMATS = {"in_person": "En présentiel", "online": "À distance"}

REQUESTER_ROLES = {"staff": "équipe éducative", "referent": "référent territorial"}

# Open calls for events.
EVENT_TYPES = {"forum": "Forum", "salon": "Salon", "portes_ouvertes": "Portes ouvertes"}

CALL_STATES = {
    "open": ("Places disponibles", "green"),
    "full": ("Complet", "grey"),
    "closed": ("Clos", "grey"),
    "cancelled": ("Annulé", "red"),
}

# --- messaging and the tools of referents, partners and administrators -----------------

CONVERSATION_STATES = {
    "open": ("Ouverte", "green"),
    "closed": ("Close", "grey"),
}

# Failed emails of the notifier's delivery log, as an administrator reads them.
DELIVERY_STATES = {
    "queued": ("En attente d'envoi", "blue"),
    "sending": ("En cours d'envoi", "blue"),
    "sent": ("Envoyé", "green"),
    "failed": ("Refusé par le serveur de messagerie", "red"),
    "dead": ("Abandonné après plusieurs essais", "orange"),
    "skipped": ("Non envoyé", "grey"),
}

# What a referent or an administrator read, in the audit log of personal data.
# Accounts as administrators see them: words and colour.
ACCOUNT_STATES = {
    "pending_confirmation": ("En attente d'activation", "orange"),
    "active": ("Actif", "green"),
}

AUDIT_ACTIONS = {
    "accounts_listed": "Liste des comptes consultée",
    "account_read": "Compte consulté",
    "ambassador_profile_read": "Profil d'un ambassadeur consulté",
    "criminal_record_document_read": "Extrait de casier judiciaire lu",
    "criminal_records_listed": "Liste des extraits à vérifier consultée",
    "staff_to_verify_listed": "Liste des personnels à vérifier consultée",
    "directory_listed": "Recherche dans l'annuaire",
    "erasure_record_read": "Suivi d'une suppression de compte consulté",
    "erasure_records_listed": "Liste des suppressions de comptes consultée",
    "appointment_read": "Rendez-vous consulté",
    "appointments_listed": "Liste de rendez-vous consultée",
    "work_queue_listed": "File de travail consultée",
    "call_attendees_read": "Participants d'un appel consultés",
    "partner_report_read": "Bilan d'un partenaire consulté",
    "conversation_read": "Conversation consultée",
    "conversation_messages_read": "Messages d'une conversation lus",
    "conversations_listed": "Liste des conversations consultée",
    "deliveries_listed": "Journal des e-mails consulté",
    "delivery_retried": "E-mail renvoyé",
}

# Why an account was deleted (accounts' ``DeletionReason``).
DELETION_REASONS = {
    "request": "À la demande de la personne",
    "inactivity": "Aucune connexion pendant la durée de conservation",
    "unconfirmed": "Jamais activé",
}

SERVICES = {
    "accounts": "Comptes",
    "agenda": "Agenda",
    "messaging": "Messagerie",
    "notifier": "E-mails",
}

# Why an ambassador cannot be solicited (accounts' stable codes), said to the ambassador
# and to the referents who look at the profile.
NOT_SOLICITABLE = {
    "not_active": "le compte n'est pas encore activé.",
    "restricted": "l'utilisation des données est limitée à la demande de l'ambassadeur.",
    "suspended": "le compte d'ambassadeur est suspendu.",
    "record_rejected": "l'extrait de casier judiciaire n'a pas été validé.",
    "record_expired": "la vérification de l'extrait de casier judiciaire a expiré.",
    "record_not_verified": "l'extrait de casier judiciaire n'est pas encore vérifié.",
    "deleted": "le compte a été supprimé.",
}
