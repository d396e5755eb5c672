"""Joining: the public catalogue, sign-ups, confirmation links, referents created by an admin."""

from __future__ import annotations

from typing import Any

from services.accounts import credentials, emailed_links, joining
from services.accounts.api.joining_models import (
    Charter,
    LinkAndPassword,
    LinkOnly,
    Place,
    Places,
    Registered,
    Sector,
)
from services.accounts.api.resources import accounts_for_open_session, accounts_of
from services.accounts.api.session_models import Accepted, Activated
from services.accounts.domain.catalog import current_charter, region, sectors
from services.accounts.errors import (
    CHARTER_NOT_ACCEPTED,
    CHARTER_OUTDATED,
    EMAIL_TAKEN,
    LINK_EXPIRED,
    LINK_INVALID,
    LINK_NOT_FOUND,
    TOO_MANY_REQUESTS,
    USER_NOT_FOUND,
    WEAK_PASSWORD,
)
from services.accounts.shapes.joining import AmbassadorSignUp, ReferentIn, StaffSignUp, TerritoryIn
from services.accounts.shapes.profile import ReferentPart
from services.accounts.shapes.sessions import LinkStatus
from services.accounts.throttling import address_of, limit_requests
from shared.http import Call, Roles, Router


async def _signup_allowed(call: Call[Any, Any]) -> None:
    accounts = accounts_of(call)
    await limit_requests(accounts, "signup", address=address_of(accounts, call.request))


def add_joining_routes(router: Router) -> None:
    """Declare the joining routes on ``router``."""

    @router.get("/charter", summary="Charte de l'ambassadeur en vigueur")
    async def get_charter(call: Call[None, None]) -> Charter:
        """The current charter: its version is sent back with the sign-up."""
        charter = current_charter()
        return Charter(version=charter.version, title=charter.title, text=charter.text)

    @router.get("/sectors", summary="Secteurs professionnels")
    async def get_sectors(call: Call[None, None]) -> list[Sector]:
        """Sectors a professional chooses from, and the directory filters on."""
        return [Sector(slug=slug, name=name) for slug, name in sectors().items()]

    @router.get("/territory", summary="Départements et bassins des Hauts-de-France")
    async def get_territory(call: Call[None, None]) -> Places:
        """The places a zone or a territory is made of."""
        places = region()
        return Places(
            departments=[Place(code=code, name=name) for code, name in places.departments.items()],
            bassins=[
                Place(code=slug, name=bassin.name, department=bassin.department)
                for slug, bassin in places.bassins.items()
            ],
        )

    @router.post(
        "/ambassadors",
        summary="Inscription d'un ambassadeur",
        status=201,
        errors=[CHARTER_NOT_ACCEPTED, CHARTER_OUTDATED, TOO_MANY_REQUESTS],
        description="Même réponse si l'adresse est déjà inscrite : rien n'indique qui est inscrit.",
    )
    async def sign_up_ambassador(call: Call[AmbassadorSignUp, None]) -> Registered:
        """Join as an ambassador; a 12 h confirmation link is emailed."""
        await _signup_allowed(call)
        return Registered(id=await joining.sign_up_ambassador(accounts_of(call), call.body))

    @router.post(
        "/staff",
        summary="Inscription d'un membre d'équipe éducative",
        status=201,
        errors=[TOO_MANY_REQUESTS],
    )
    async def sign_up_staff(call: Call[StaffSignUp, None]) -> Registered:
        """Join as a member of an educational team; a 12 h confirmation link is emailed."""
        await _signup_allowed(call)
        return Registered(id=await joining.sign_up_staff(accounts_of(call), call.body))

    @router.post(
        "/confirmations",
        summary="Activer son compte et choisir son mot de passe",
        errors=[LINK_EXPIRED, LINK_INVALID, WEAK_PASSWORD],
    )
    async def confirm(call: Call[LinkAndPassword, None]) -> Activated:
        """Follow the confirmation link: the account is active and its first session open."""
        accounts = accounts_of(call)
        user = await joining.confirm(accounts, call.body.token, call.body.password)
        tokens = await credentials.open_session(accounts, user)
        return Activated(**tokens.model_dump(), id=user["_id"], role=user["role"])

    @router.post(
        "/links/status",
        summary="Où en est un lien reçu par e-mail",
        errors=[LINK_NOT_FOUND],
        description="Le jeton voyage dans le corps, jamais dans l'adresse. 404 pour un lien "
        "inconnu ou déjà utilisé ; un lien expiré reste connu un jour après son expiration.",
    )
    async def link_status(call: Call[LinkOnly, None]) -> LinkStatus:
        """What a link is for, and whether it still works (the page says so before any form)."""
        return await emailed_links.link_status(accounts_of(call), call.body.token)

    @router.post(
        "/links/renewal",
        summary="Recevoir un nouveau lien à la place d'un lien expiré",
        status=202,
        errors=[TOO_MANY_REQUESTS],
        description="Envoie par e-mail un nouveau lien du même usage (les précédents ne "
        "fonctionnent plus). Répond 202 quel que soit le lien : rien n'indique s'il existe.",
    )
    async def renew_link(call: Call[LinkOnly, None]) -> Accepted:
        """A fresh link of the same purpose goes to the same address."""
        accounts = accounts_of(call)
        await emailed_links.renew_link(
            accounts, call.body.token, address_of(accounts, call.request)
        )
        return Accepted()

    @router.post(
        "/referents",
        summary="Créer un référent territorial",
        status=201,
        auth=Roles("admin"),
        errors=[EMAIL_TAKEN],
    )
    async def create_referent(call: Call[ReferentIn, None]) -> Registered:
        """An admin creates a referent, who chooses a password from the emailed link."""
        accounts = await accounts_for_open_session(call)
        return Registered(id=await joining.create_referent(accounts, call.body))

    @router.put(
        "/referents/{id}/territory",
        summary="Changer le territoire d'un référent",
        auth=Roles("admin"),
        errors=[USER_NOT_FOUND],
    )
    async def change_territory(call: Call[TerritoryIn, None]) -> ReferentPart:
        """The referent's next access token carries the new territory."""
        accounts = await accounts_for_open_session(call)
        user = await joining.change_territory(accounts, call.path("id"), call.body)
        if user is None:
            raise USER_NOT_FOUND.error()
        return ReferentPart(territory=call.body)
