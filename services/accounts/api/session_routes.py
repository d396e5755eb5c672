"""Passwords and sessions: signing in and out, refreshing tokens, lost and changed passwords."""

from __future__ import annotations

from services.accounts import credentials
from services.accounts.api.joining_models import LinkAndPassword, ResetRequest
from services.accounts.api.resources import accounts_of
from services.accounts.api.session_models import Accepted, Credentials, RefreshRequest
from services.accounts.errors import (
    INVALID_CREDENTIALS,
    LINK_EXPIRED,
    LINK_INVALID,
    SESSION_ENDED,
    TOO_MANY_ATTEMPTS,
    TOO_MANY_REQUESTS,
    WEAK_PASSWORD,
    WRONG_PASSWORD,
)
from services.accounts.shapes.sessions import PasswordChange, SessionTokens
from services.accounts.throttling import address_of
from shared.http import SESSION_EXPIRED, Authenticated, Call, Router


def add_session_routes(router: Router) -> None:
    """Declare the session routes on ``router``."""

    @router.post(
        "/password-resets",
        summary="Mot de passe perdu : recevoir un lien",
        status=202,
        errors=[TOO_MANY_REQUESTS],
        description="Répond 202 que l'adresse soit inscrite ou non.",
    )
    async def request_reset(call: Call[ResetRequest, None]) -> Accepted:
        """A 5-minute link is emailed if the address has an account."""
        accounts = accounts_of(call)
        await credentials.request_reset(
            accounts, call.body.email, address_of(accounts, call.request)
        )
        return Accepted()

    @router.post(
        "/password-resets/confirm",
        summary="Choisir un nouveau mot de passe depuis le lien",
        errors=[LINK_EXPIRED, LINK_INVALID, WEAK_PASSWORD],
    )
    async def reset_password(call: Call[LinkAndPassword, None]) -> None:
        """Sets the password, activates a never-confirmed account, ends every session."""
        await credentials.reset_password(accounts_of(call), call.body.token, call.body.password)

    @router.post(
        "/sessions",
        summary="Se connecter",
        errors=[INVALID_CREDENTIALS, TOO_MANY_ATTEMPTS],
    )
    async def sign_in(call: Call[Credentials, None]) -> SessionTokens:
        """Same 401 for an unknown address and a wrong password; 429 after repeated failures."""
        accounts = accounts_of(call)
        return await credentials.sign_in(
            accounts, call.body.email, call.body.password, address_of(accounts, call.request)
        )

    @router.post(
        "/sessions/refresh",
        summary="Renouveler les jetons",
        errors=[SESSION_EXPIRED],
    )
    async def refresh(call: Call[RefreshRequest, None]) -> SessionTokens:
        """The refresh token is single-use: a reused one ends the session."""
        return await credentials.refresh(accounts_of(call), call.body.refresh_token)

    @router.delete("/sessions/current", summary="Se déconnecter", auth=Authenticated())
    async def sign_out(call: Call[None, None]) -> None:
        """Ends the session; the access token expires on its own shortly after."""
        await credentials.sign_out(accounts_of(call), call.user)

    @router.post(
        "/me/password",
        summary="Changer son mot de passe",
        auth=Authenticated(),
        errors=[WRONG_PASSWORD, WEAK_PASSWORD, TOO_MANY_ATTEMPTS, SESSION_ENDED],
    )
    async def change_password(call: Call[PasswordChange, None]) -> None:
        """The current password is asked; the other sessions end; an email tells the user."""
        accounts = accounts_of(call)
        await credentials.change_password(
            accounts, call.user, call.body, address_of(accounts, call.request)
        )
