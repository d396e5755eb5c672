"""Every answer the relay's SMTP endpoint gives, as named constants (SimpleLogin's idea).

Texts are ASCII (SMTP replies are 7-bit) and in French without accents: a sender's
mail program may show them in a bounce. Dropped mails get a 250 on purpose: a
refusal would bounce to the envelope sender, who may be forged (backscatter).
"""

from __future__ import annotations

# RCPT TO
RECIPIENT_OK = "250 2.1.5 Destinataire accepte"
NOT_OUR_DOMAIN = "550 5.7.1 Relais refuse : ce serveur ne recoit que pour son domaine"
UNKNOWN_ALIAS = "550 5.1.1 Adresse de relais inconnue"
ALIAS_DISABLED = "550 5.1.1 Adresse de relais desactivee : la conversation est close"
TOO_MANY_RECIPIENTS = "452 4.5.3 Trop de destinataires pour un seul message"
LOOKUP_FAILED = "451 4.3.0 Erreur temporaire, reessayez plus tard"

# DATA
POSTED = "250 2.0.0 Message transmis dans la conversation"
ALREADY_POSTED = "250 2.0.0 Message deja transmis"
# Accepted and dropped: nothing is posted, nothing bounces.
DROPPED = "250 2.0.0 Message recu"
RATE_LIMITED = "451 4.7.1 Trop de messages en peu de temps, reessayez dans une minute"
TEMPORARY_FAILURE = "451 4.3.0 Erreur temporaire, reessayez plus tard"
