"""The errors accounts answers with, each with its French message."""

from __future__ import annotations

from shared.http import ErrorKind

LINK_EXPIRED = ErrorKind(
    410,
    "link_expired",
    "Ce lien a expiré. Utilisez « mot de passe perdu » sur la page de connexion pour "
    "recevoir un nouveau lien.",
)
LINK_INVALID = ErrorKind(
    410,
    "link_invalid",
    "Ce lien n'est pas valide ou a déjà été utilisé. Utilisez « mot de passe perdu » pour "
    "en recevoir un nouveau.",
)
EMAIL_LINK_EXPIRED = ErrorKind(
    410,
    "link_expired",
    "Ce lien a expiré. Demandez à nouveau le changement d'adresse depuis votre espace "
    "personnel, ou utilisez « mot de passe perdu » si vous ne pouvez plus vous connecter.",
)
LINK_NOT_FOUND = ErrorKind(
    404,
    "link_not_found",
    "Ce lien a déjà été utilisé, ou un lien plus récent l'a remplacé. Connectez-vous, ou "
    "utilisez « Mot de passe perdu » pour recevoir un nouveau lien.",
)
WEAK_PASSWORD = ErrorKind(422, "weak_password", "Ce mot de passe n'est pas accepté.")
INVALID_CREDENTIALS = ErrorKind(
    401, "invalid_credentials", "Adresse e-mail ou mot de passe incorrect."
)
WRONG_PASSWORD = ErrorKind(403, "wrong_password", "Le mot de passe actuel est incorrect.")
TOO_MANY_ATTEMPTS = ErrorKind(
    429,
    "too_many_attempts",
    "Trop de tentatives : veuillez patienter avant de réessayer, ou utilisez « mot de "
    "passe perdu ».",
)
TOO_MANY_REQUESTS = ErrorKind(
    429, "too_many_requests", "Trop de demandes : veuillez réessayer plus tard."
)
SESSION_ENDED = ErrorKind(401, "unauthorized", "Session terminée, veuillez vous reconnecter.")
CHARTER_OUTDATED = ErrorKind(
    422,
    "charter_outdated",
    "La charte a changé depuis votre lecture : relisez la version en vigueur et acceptez-la.",
)
CHARTER_NOT_ACCEPTED = ErrorKind(
    422, "charter_not_accepted", "L'acceptation de la charte de l'ambassadeur est obligatoire."
)
EMAIL_TAKEN = ErrorKind(409, "email_taken", "Cette adresse e-mail est déjà utilisée par un compte.")
SAME_EMAIL = ErrorKind(422, "same_email", "La nouvelle adresse est identique à l'actuelle.")
AMBASSADOR_NOT_FOUND = ErrorKind(404, "ambassador_not_found", "Ambassadeur introuvable.")
ORGANIZATION_NOT_FOUND = ErrorKind(404, "organization_not_found", "Organisation introuvable.")
USER_NOT_FOUND = ErrorKind(404, "user_not_found", "Compte introuvable.")
ESTABLISHMENT_NOT_FOUND = ErrorKind(
    404,
    "establishment_not_found",
    "Aucun établissement des Hauts-de-France ne porte ce code UAI dans nos données de référence.",
)
NOT_AN_AMBASSADOR = ErrorKind(
    403, "not_an_ambassador", "Cette action est réservée aux ambassadeurs."
)
NOT_YOUR_ZONE = ErrorKind(
    403,
    "not_your_zone",
    "Cet ambassadeur n'intervient pas sur votre territoire : seul un référent de sa zone "
    "ou un administrateur peut le faire.",
)
STAFF_NOT_FOUND = ErrorKind(
    404, "staff_not_found", "Aucun membre d'équipe éducative ne correspond à ce compte."
)
NOT_YOUR_ESTABLISHMENTS = ErrorKind(
    403,
    "not_your_zone",
    "Cet établissement n'est pas sur votre territoire : seul un référent de sa zone ou un "
    "administrateur peut confirmer le rattachement.",
)
STAFF_ALREADY_DECIDED = ErrorKind(
    409,
    "staff_already_decided",
    "Le rattachement de cette personne à son établissement n'attend pas de décision.",
)
NOT_A_PDF = ErrorKind(415, "not_a_pdf", "Le document doit être un fichier PDF.")
DOCUMENT_TOO_LARGE = ErrorKind(
    413, "document_too_large", "Le document dépasse la taille maximale de 5 Mo."
)
DOCUMENT_MISSING = ErrorKind(
    400, "document_missing", "Joignez l'extrait de casier judiciaire dans le champ « document »."
)
NO_RECORD_TO_DECIDE = ErrorKind(
    409,
    "no_record_submitted",
    "Aucun extrait de casier judiciaire n'attend de décision pour cet ambassadeur.",
)
RECORD_ALREADY_VERIFIED = ErrorKind(
    409,
    "record_already_verified",
    "L'extrait de casier judiciaire a déjà été vérifié et reste valable : un nouvel extrait "
    "vous sera demandé peu avant la fin de sa validité.",
)
ALREADY_SUSPENDED = ErrorKind(409, "already_suspended", "Cet ambassadeur est déjà suspendu.")
NOT_SUSPENDED = ErrorKind(409, "not_suspended", "Cet ambassadeur n'est pas suspendu.")
NOT_EDITABLE = ErrorKind(422, "not_editable", "Ce champ ne s'applique pas à votre type de compte.")
SIRET_TAKEN = ErrorKind(409, "siret_taken", "Une organisation avec ce SIRET existe déjà.")
UNKNOWN_ORGANIZATION = ErrorKind(422, "unknown_organization", "Cette organisation n'existe pas.")
EXPORT_INCOMPLETE = ErrorKind(
    504,
    "export_incomplete",
    "L'export de vos données n'est pas complet : un service n'a pas répondu à temps. "
    "Réessayez dans quelques minutes.",
)
ERASURE_NOT_FOUND = ErrorKind(
    404, "erasure_not_found", "Aucune suppression de compte n'est enregistrée pour cet identifiant."
)
TOO_MANY_PARTNER_REQUESTS = ErrorKind(
    429,
    "too_many_requests",
    "Vous avez déjà envoyé plusieurs demandes de partenariat : l'équipe du programme vous "
    "répondra. Pour compléter votre demande, écrivez à prochorientation@hautsdefrance.fr.",
)
