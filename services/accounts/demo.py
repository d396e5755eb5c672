"""Fictional demo accounts of every role, for the embedded default.

Every person, establishment and address here is made up. The passwords are printed
by the embedded platform at start-up and written here: anyone can read them, so these
accounts sign in only from the machine itself (loopback), whatever the settings.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from services.accounts.context import Accounts
from services.accounts.domain.catalog import current_charter, department_of_postcode
from services.accounts.domain.staff import reference_establishment
from services.accounts.hashing import Passwords
from services.accounts.joining import activate, new_account
from services.accounts.settings import AccountsSettings
from services.accounts.shapes.joining import ConsentsIn
from services.accounts.store import AccountsStore
from shared.http import AccessTokenSigner
from shared.keys import load_key_pair
from shared.mongo import Document
from shared.runtime import ServiceContext

DOMAIN = "demo.prochorientation.localhost"

# (role, email, password) of each demo account.
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("admin", f"admin@{DOMAIN}", "Demo-Beffroi-Admin-2026"),
    ("referent", f"referente.nord@{DOMAIN}", "Demo-Terril-Referente-59"),
    ("staff", f"prof.lycee@{DOMAIN}", "Demo-Craie-Tableau-Lycee"),
    ("ambassador", f"electricienne@{DOMAIN}", "Demo-Ampere-Chantier-Nord"),
    ("ambassador", f"etudiant.bts@{DOMAIN}", "Demo-Bts-Alternance-Somme"),
    ("ambassador", f"formatrice@{DOMAIN}", "Demo-Atelier-Formation-62"),
]


def has_published_password(user: Document) -> bool:
    """Whether ``user`` is a demo account, whose password is published."""
    return str(user.get("email", "")).endswith(f"@{DOMAIN}")


def is_loopback(address: str) -> bool:
    """Whether the client address (as counted for sign-ins) is this machine."""
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


_PEOPLE: dict[str, dict[str, Any]] = {
    f"admin@{DOMAIN}": {"first_name": "Aline", "last_name": "Démonstration"},
    f"referente.nord@{DOMAIN}": {
        "first_name": "Rosalie",
        "last_name": "Fictive",
        "referent": {"territory": {"departments": ["59"], "bassins": []}},
    },
    f"prof.lycee@{DOMAIN}": {
        "first_name": "Paul",
        "last_name": "Exemple",
        "staff": {
            # An establishment of the shipped (fictional) sample, in Lille-Centre.
            "establishment": {
                "uai": "0599101X",
                "name": "Lycée du Faubourg",
                "city": "Lille",
                "postcode": "59000",
            },
            "position": "Professeur principal",
        },
    },
    f"electricienne@{DOMAIN}": {
        "first_name": "Élise",
        "last_name": "Voltaire-Démo",
        "ambassador": {
            "profile": "professional",
            "postcode": "59000",
            "city": "Lille",
            "job": {
                "title": "Électricienne en bâtiment",
                "sector": "batiment-travaux-publics",
                "employment": "employee",
                "employer": "Entreprise Fictive d'Électricité",
                "employer_agreement": True,
            },
            "training": None,
            "background": (
                "CAP électricien puis brevet professionnel ; cheffe d'équipe sur des "
                "chantiers de rénovation."
            ),
            "interventions": ["class_presentation", "company_visit"],
            "zone": {"departments": [], "bassins": ["lille-centre", "lille-est"]},
        },
    },
    f"etudiant.bts@{DOMAIN}": {
        "first_name": "Hugo",
        "last_name": "Imaginaire",
        "ambassador": {
            "profile": "student",
            "postcode": "80000",
            "city": "Amiens",
            "job": None,
            "training": {
                "name": "BTS Services informatiques aux organisations",
                "level": "BTS",
                "establishment": "Lycée fictif de la Somme",
            },
            "background": "Bac STI2D, puis BTS en alternance dans une PME du numérique.",
            "interventions": ["class_presentation", "event"],
            "zone": {"departments": ["80"], "bassins": []},
        },
    },
    f"formatrice@{DOMAIN}": {
        "first_name": "Nadia",
        "last_name": "Modèle",
        "ambassador": {
            "profile": "trainer",
            "postcode": "62000",
            "city": "Arras",
            "job": None,
            "training": {
                "name": "CAP Cuisine",
                "level": "CAP",
                "establishment": "Centre de formation imaginaire d'Arras",
            },
            "background": (
                "Cheffe cuisinière pendant dix ans, formatrice en apprentissage depuis 2019."
            ),
            "interventions": ["class_presentation", "discovery_internship", "event"],
            "online": True,
            "zone": {"departments": ["62"], "bassins": []},
        },
    },
}


def _user(role: str, email: str, now: datetime, verifier_id: str | None) -> Document:
    person = _PEOPLE[email]
    user = new_account(
        f"demo-{role}-{email.split('@')[0].replace('.', '-')}",
        role,
        now,
        email=email,
        first_name=person["first_name"],
        last_name=person["last_name"],
        consents=ConsentsIn(image_rights=True, surveys=True),
        noted=False,
    )
    if role == "ambassador":
        part = dict(person["ambassador"])
        part.update(
            department=department_of_postcode(part["postcode"]),
            organization_id=None,
            availability={},
            # Checked by the demo referent, so the demo directory has solicitable people.
            record={
                "status": "verified",
                "submitted_at": now,
                "decided_at": now,
                "decided_by": verifier_id,
                "note": "Démonstration",
                "valid_until": now + timedelta(days=AccountsSettings().record_check_validity_days),
            },
            suspension=None,
            revision=0,
        )
        user["ambassador"] = part
        user["charter_version"] = current_charter().version
    if "referent" in person:
        user["referent"] = person["referent"]
    if "staff" in person:
        given = person["staff"]["establishment"]
        user["staff"] = {
            "establishment": reference_establishment(
                given["uai"], given["name"], given["city"], given["postcode"]
            ),
            "position": person["staff"]["position"],
            # Confirmed by the demo referent, so the demo teacher can solicit at once.
            "verification": {"status": "verified", "by": verifier_id, "at": now},
        }
    return user


async def seed_demo(ctx: ServiceContext) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; returns (role, email, password).

    Idempotent: an address already present is left as it is.
    """
    options = AccountsSettings()
    keys = load_key_pair(ctx.settings, create=True)
    accounts = Accounts(
        ctx=ctx,
        store=AccountsStore(ctx.db),
        options=options,
        passwords=Passwords(options.hashing_concurrency),
        signer=AccessTokenSigner(keys.private_pem, ctx.settings.access_token_ttl_seconds),
    )
    now = datetime.now(UTC)
    referent_id = _user("referent", f"referente.nord@{DOMAIN}", now, None)["_id"]
    for role, email, password in DEMO_ACCOUNTS:
        if await accounts.store.users.email_taken(email):
            continue
        user = _user(role, email, now, referent_id)
        password_hash = await accounts.passwords.hash(password)

        async def work(
            session: AsyncClientSession, user: Document = user, password_hash: str = password_hash
        ) -> dict[str, int]:
            await accounts.store.users.insert(user, session)
            if user["role"] == "ambassador":
                await accounts.store.charter_acceptances.add(
                    {
                        "_id": accounts.new_id(),
                        "user_id": user["_id"],
                        "version": user["charter_version"],
                        "accepted_at": now,
                    },
                    session=session,
                )
            activated = await activate(accounts, user["_id"], password_hash, session)
            return activated[1] if activated else {}

        changes = await ctx.transaction(work)
        await accounts.store.directory.apply_frequency_changes(changes)
    return list(DEMO_ACCOUNTS)
