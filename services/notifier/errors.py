"""The notifier's error catalogue (messages in French, for the admin screens)."""

from shared.http import ErrorKind

DELIVERY_NOT_FOUND = ErrorKind(404, "delivery_not_found", "Envoi introuvable.")
DELIVERY_ALREADY_SENT = ErrorKind(
    409, "delivery_already_sent", "Cet e-mail a déjà été envoyé : il ne sera pas renvoyé."
)
DELIVERY_IN_PROGRESS = ErrorKind(
    409, "delivery_in_progress", "Cet e-mail est en cours d'envoi : réessayez dans un instant."
)
DELIVERY_ERASED = ErrorKind(
    409,
    "delivery_erased",
    "Le destinataire a supprimé son compte : cet e-mail ne peut plus être envoyé.",
)
UNKNOWN_EMAIL_KIND = ErrorKind(
    422,
    "unknown_email_kind",
    "Ce type d'e-mail n'existe pas : choisissez parmi ceux de la page « Mes notifications ».",
)
UNSUBSCRIBE_LINK_INVALID = ErrorKind(
    404,
    "unsubscribe_link_invalid",
    "Ce lien de désabonnement n'est pas valide : connectez-vous et choisissez vos e-mails "
    "dans « Mes notifications ».",
)
ADDRESS_NOT_UNDELIVERABLE = ErrorKind(
    404,
    "address_not_undeliverable",
    "Cette adresse n'est pas bloquée : la plateforme lui écrit déjà.",
)
