"""Signing in and out: ``/connexion`` and ``/deconnexion``."""

from __future__ import annotations

import contextlib

from aiohttp import web

from services.web.access import add_form_page
from services.web.client import ApiRefusedError, SignedOutError, signed_in_user, tokens_of
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.domain.menu import start_page
from services.web.domain.navigation import local_path
from services.web.rendering import VISIT, render, see_other
from services.web.routes.notifications import warn_if_bouncing
from shared.french import wait_fr

# Why someone was sent to the sign-in page (the ``raison`` parameter).
REASONS = {
    "expiree": "Votre session a expiré : connectez-vous à nouveau pour continuer.",
    "deconnecte": "Vous êtes déconnecté. À bientôt !",
}
WRONG_CREDENTIALS = (
    "L'adresse e-mail ou le mot de passe est incorrect. Vérifiez-les, ou choisissez "
    "« Mot de passe perdu ? » pour en recevoir un nouveau."
)


def add_session_routes(router: web.UrlDispatcher) -> None:
    """The sign-in form and the sign-out action."""
    add_form_page(router, "/connexion", sign_in_page, sign_in)
    add_form_page(router, "/deconnexion", signed_out_page, sign_out)


async def sign_in_page(request: web.Request) -> web.StreamResponse:
    """The form; a signed-in person goes straight on to where they were going."""
    user = request[VISIT].user
    next_page = local_path(request.query.get("suite"))
    if user is not None:
        return see_other(next_page or start_page(user.role))
    reason = REASONS.get(request.query.get("raison", ""))
    return await render(request, "session/sign_in.html", {"next_page": next_page, "reason": reason})


async def sign_in(request: web.Request) -> web.StreamResponse:
    """Check the credentials at accounts, then start the session under a new cookie."""
    form = Form.of(await request.post())
    next_page = local_path(form.text("suite"))
    email = form.email("email", empty="Saisissez votre adresse e-mail.")
    password = form.text("password")
    if not password:
        form.fail("password", "Saisissez votre mot de passe.")
    if form.ok:
        try:
            answer = await api_of(request).call(
                "POST",
                "/accounts/sessions",
                json={"email": email, "password": password},
                anonymous=True,
            )
        except ApiRefusedError as refused:
            if refused.status == 429:
                wait = wait_fr(refused.retry_after or 60)
                form.fail(
                    "password",
                    f"Trop de tentatives de connexion. Par sécurité, attendez {wait} avant "
                    "de réessayer, ou choisissez « Mot de passe perdu ? ».",
                )
            elif refused.status in (400, 401, 422):
                form.fail("password", WRONG_CREDENTIALS)
            else:
                form.fail("password", refused.message or WRONG_CREDENTIALS)
        else:
            user = signed_in_user(answer.body)
            await request[VISIT].sign_in(
                user, tokens_of(answer.body), remember=form.checked("remember")
            )
            await warn_if_bouncing(request)
            return see_other(next_page or start_page(user.role))
    return await render(
        request,
        "session/sign_in.html",
        {"form": form, "errors": form.errors, "next_page": next_page, "reason": None},
        status=422,
    )


async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the session at accounts (its refresh token stops working), then here."""
    visit = request[VISIT]
    if visit.user is not None:
        # Already ended at accounts: forgetting it here is all that is left.
        with contextlib.suppress(ApiRefusedError, SignedOutError):
            await api_of(request).call("DELETE", "/accounts/sessions/current")
        await visit.sign_out()
    return see_other("/connexion?raison=deconnecte")


async def signed_out_page(request: web.Request) -> web.StreamResponse:
    """A bookmarked or typed ``/deconnexion``: signing out only happens through the form."""
    if request[VISIT].user is None:
        return see_other("/connexion?raison=deconnecte")
    return await render(request, "session/sign_out.html")
