"""Agenda's error catalogue: each answer a client may get, with its French message."""

from __future__ import annotations

from shared.http import ErrorKind

# Who may act ---------------------------------------------------------------------
APPOINTMENT_NOT_FOUND = ErrorKind(404, "appointment_not_found", "Rendez-vous introuvable.")
NOTIFICATION_NOT_FOUND = ErrorKind(404, "notification_not_found", "Notification introuvable.")
CALENDAR_NOT_FOUND = ErrorKind(
    404,
    "calendar_not_found",
    "Ce calendrier n'existe pas ou son lien a été renouvelé : demandez un nouveau lien "
    "depuis votre agenda.",
)
ALTERNATIVE_NOT_FOUND = ErrorKind(
    404, "alternative_not_found", "Ce créneau n'a pas été proposé par l'ambassadeur."
)
NOT_THE_AMBASSADOR = ErrorKind(
    403, "not_the_ambassador", "Seul l'ambassadeur sollicité peut répondre à cette sollicitation."
)
NOT_THE_REQUESTER = ErrorKind(
    403,
    "not_the_requester",
    "Seule la personne qui a fait la sollicitation peut retenir un créneau proposé.",
)
NOT_A_PARTY = ErrorKind(
    403,
    "not_a_party",
    "Seuls l'ambassadeur et la personne qui a fait la sollicitation peuvent faire cela.",
)
ESTABLISHMENT_NOT_YOURS = ErrorKind(
    403,
    "establishment_not_yours",
    "Un membre d'équipe éducative sollicite pour son propre établissement uniquement.",
)
OUTSIDE_TERRITORY = ErrorKind(
    403,
    "outside_territory",
    "Cet établissement n'est pas dans votre territoire (pour le Nord, précisez son bassin "
    "d'éducation).",
)

# Rules of a solicitation -----------------------------------------------------------
ESTABLISHMENT_REQUIRED = ErrorKind(
    422, "establishment_required", "Indiquez l'établissement où a lieu l'intervention."
)
AMBASSADOR_NOT_FOUND = ErrorKind(422, "ambassador_not_found", "Cet ambassadeur est introuvable.")
AMBASSADOR_DELETED = ErrorKind(
    422,
    "ambassador_deleted",
    "Cet ambassadeur a quitté le programme : il ne peut plus être sollicité.",
)
AMBASSADOR_SUSPENDED = ErrorKind(
    422, "ambassador_suspended", "Cet ambassadeur est suspendu : il ne peut pas être sollicité."
)
AMBASSADOR_NOT_VERIFIED = ErrorKind(
    422,
    "ambassador_not_verified",
    "Cet ambassadeur ne peut pas encore être sollicité : son extrait de casier judiciaire "
    "n'a pas été vérifié.",
)
AMBASSADOR_NOT_ACTIVE = ErrorKind(
    422, "ambassador_not_active", "Cet ambassadeur n'a pas encore activé son compte."
)
AMBASSADOR_UNAVAILABLE = ErrorKind(
    422, "ambassador_unavailable", "Cet ambassadeur ne peut pas être sollicité pour le moment."
)
AMBASSADOR_PAUSED = ErrorKind(
    422,
    "ambassador_paused",
    "Cet ambassadeur a mis son engagement en pause à cette période : choisissez une autre date "
    "ou un autre ambassadeur.",
)
MONTHLY_MAXIMUM_REACHED = ErrorKind(
    422,
    "monthly_maximum_reached",
    "Cet ambassadeur a atteint le nombre maximal de sollicitations qu'il accepte pour ce mois.",
)
KIND_NOT_ACCEPTED = ErrorKind(
    422, "kind_not_accepted", "Cet ambassadeur n'accepte pas ce type d'intervention."
)
OUTSIDE_ZONE = ErrorKind(
    422,
    "outside_zone",
    "Cet établissement est en dehors de la zone géographique où l'ambassadeur intervient.",
)
# Why the chosen ambassador cannot receive a solicitation: a new one and one a referent
# redirects to another ambassador are refused alike.
AMBASSADOR_REFUSALS: tuple[ErrorKind, ...] = (
    AMBASSADOR_NOT_FOUND,
    AMBASSADOR_DELETED,
    AMBASSADOR_SUSPENDED,
    AMBASSADOR_NOT_VERIFIED,
    AMBASSADOR_NOT_ACTIVE,
    AMBASSADOR_UNAVAILABLE,
    AMBASSADOR_PAUSED,
    MONTHLY_MAXIMUM_REACHED,
    KIND_NOT_ACCEPTED,
    OUTSIDE_ZONE,
)
CLASS_PRESENTATION_TOO_LONG = ErrorKind(
    422,
    "class_presentation_too_long",
    "Une présentation en classe dure au plus 45 minutes.",
)
START_IN_PAST = ErrorKind(422, "start_in_past", "La date de début est déjà passée.")
ONLINE_URL_REQUIRED = ErrorKind(
    422, "online_url_required", "Une intervention à distance a besoin du lien de connexion."
)
TEAM_MEMBER_REQUIRED = ErrorKind(
    422,
    "team_member_required",
    "Un membre de l'équipe éducative doit rester avec les élèves pendant l'intervention : "
    "confirmez cet engagement.",
)

# Status machine --------------------------------------------------------------------
NOT_PENDING = ErrorKind(409, "not_pending", "Cette sollicitation n'attend plus de réponse.")
NOT_CANCELLABLE = ErrorKind(409, "not_cancellable", "Ce rendez-vous ne peut plus être annulé.")
ALREADY_STARTED = ErrorKind(
    409, "already_started", "Ce rendez-vous a déjà commencé : il ne peut plus être annulé."
)
NOT_REFUSED = ErrorKind(
    409, "not_refused", "Les créneaux proposés ne valent que pour une sollicitation refusée."
)
ALTERNATIVE_ALREADY_TAKEN = ErrorKind(
    409, "alternative_already_taken", "Un créneau proposé a déjà été retenu pour cette demande."
)
OVERLAPPING_APPOINTMENT = ErrorKind(
    409,
    "overlapping_appointment",
    "L'ambassadeur a déjà un rendez-vous accepté sur ce créneau.",
)
NOT_FINISHED = ErrorKind(
    409, "not_finished", "Vous pourrez donner votre avis une fois l'intervention terminée."
)
NOT_ACCEPTED = ErrorKind(
    409, "not_accepted", "Seul un rendez-vous accepté peut être ajouté à un calendrier."
)
NOT_HELD = ErrorKind(409, "not_held", "Seule une intervention qui a eu lieu peut recevoir un avis.")
FEEDBACK_ALREADY_GIVEN = ErrorKind(
    409, "feedback_already_given", "Vous avez déjà donné votre avis sur cette intervention."
)
CHANGED_MEANWHILE = ErrorKind(
    409,
    "changed_meanwhile",
    "Ce rendez-vous vient d'être modifié par ailleurs : rechargez-le puis réessayez.",
)

# Referents' tools -------------------------------------------------------------------
SAME_AMBASSADOR = ErrorKind(
    422,
    "same_ambassador",
    "Cette sollicitation est déjà adressée à cet ambassadeur : choisissez-en un autre.",
)
INVALID_PERIOD = ErrorKind(
    422, "invalid_period", "La date de fin de la période précède sa date de début."
)
BASSIN_NOT_IN_DEPARTMENT = ErrorKind(
    422, "bassin_not_in_department", "Ce bassin d'éducation n'est pas dans ce département."
)

# Open calls for events ----------------------------------------------------------------
CALL_NOT_FOUND = ErrorKind(404, "call_not_found", "Appel à participation introuvable.")
CALL_FULL = ErrorKind(
    409, "call_full", "Toutes les places de cet événement sont déjà prises : merci de votre élan !"
)
CALL_CLOSED = ErrorKind(409, "call_closed", "Cet appel à participation est clos.")
CALL_STARTED = ErrorKind(409, "call_started", "Cet événement a déjà commencé.")
ALREADY_ATTENDING = ErrorKind(
    409, "already_attending", "Vous avez déjà une place pour cet événement."
)

# Partners -----------------------------------------------------------------------------
ORGANIZATION_NOT_FOUND = ErrorKind(
    404, "organization_not_found", "Organisation partenaire introuvable."
)
