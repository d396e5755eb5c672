"""Pages that emailed single-use links open: ``/activer``, ``/mot-de-passe``, ``/email``.

Each page first asks accounts what its link is for and whether it still works
(``POST /accounts/links/status``: the token travels in a body, never in an API
address), so that an expired link says so before anything is typed and offers a new
link in one step, and a used one says so and points to « Se connecter » and « Mot de
passe perdu ? ». Nothing is done on GET: mail scanners open links, so activating,
resetting and confirming all wait for the person's own button (a POST).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiohttp import web

from services.web.access import add_form_page
from services.web.client import (
    Answer,
    ApiRefusedError,
    SignedOutError,
    signed_in_user,
    tokens_of,
)
from services.web.context import SITE, api_of
from services.web.domain.forms import Form
from services.web.domain.menu import start_page
from services.web.rendering import VISIT, render, see_other
from shared.french import duration_fr, wait_fr

Purpose = Literal["confirmation", "password_reset", "email_change"]

# The word for each kind of link in the addresses of the site (« lien envoyé »).
_SLUGS: dict[Purpose, str] = {
    "confirmation": "activation",
    "password_reset": "mot-de-passe",
    "email_change": "email",
}
_PURPOSE_OF_SLUG = {slug: purpose for purpose, slug in _SLUGS.items()}
SIGN_IN_PAGE = "/connexion"
_RESET_DRAFT = "password_reset"


def add_link_routes(router: web.UrlDispatcher) -> None:
    """The pages of the links in emails, and the new link asked from an expired one."""
    add_form_page(router, "/activer", activation_page, activate)
    add_form_page(router, "/mot-de-passe", password_page, password_form)
    router.add_get("/mot-de-passe/lien-envoye", reset_link_sent)
    add_form_page(router, "/email", email_page, confirm_email)
    router.add_get("/email/confirmee", email_confirmed)
    router.add_post("/nouveau-lien", renew_link)
    router.add_get("/nouveau-lien/envoye", renewed_link_sent)


# --- what a link is ---------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """What accounts says of a link: its purpose and state (None: used or unknown)."""

    token: str
    purpose: Purpose | None = None
    expired: bool = False
    expires_at: datetime | None = None
    email: str | None = None

    def usable_for(self, purpose: Purpose) -> bool:
        """Whether this link can do what the page is for."""
        return self.purpose == purpose and not self.expired


async def _link(request: web.Request, token: str) -> Link:
    if not token:
        return Link(token)
    try:
        answer = await api_of(request).call(
            "POST", "/accounts/links/status", json={"token": token}, anonymous=True
        )
    except ApiRefusedError as refused:
        if refused.status in (400, 404):
            return Link(token)  # used, replaced by a newer one, or mistyped
        raise
    body = answer.body
    expires_at = datetime.fromisoformat(body["expires_at"]) if body.get("expires_at") else None
    return Link(
        token,
        purpose=body["purpose"],
        expired=body["state"] == "expired",
        expires_at=expires_at,
        email=body.get("email"),
    )


def _valid_for(request: web.Request, purpose: Purpose) -> str:
    """How long a new link of ``purpose`` lasts (« 12 heures », « 5 minutes »)."""
    settings = request.config_dict[SITE].settings
    seconds = (
        settings.reset_ttl_seconds
        if purpose == "password_reset"
        else settings.confirmation_ttl_seconds
    )
    return duration_fr(seconds)


def _wait(refused: ApiRefusedError) -> str:
    """How long to wait after a 429, in words (« 42 minutes »)."""
    return wait_fr(refused.retry_after or 60)


async def _problem(
    request: web.Request,
    link: Link,
    page: Purpose,
    *,
    throttled: str | None = None,
    taken: bool = False,
) -> web.Response:
    """The page of a link that cannot be used: expired (renew it), used, or taken."""
    if taken:
        state = "taken"
    elif link.purpose == page and link.expired:
        state = "expired"
    else:
        state = "used"
    context = {
        "state": state,
        "page": page,
        "token": link.token,
        "slug": _SLUGS[page],
        "valid_for": _valid_for(request, page),
        "throttled": throttled,
    }
    status = 429 if throttled else 409 if taken else 410
    return await render(request, "links/problem.html", context, status=status)


def _password_of(data: Any) -> str:
    # As typed: spaces at either end are part of a password.
    value = data.get("password", "")
    return value if isinstance(value, str) else ""


def _refused_password(form: Form, refused: ApiRefusedError) -> bool:
    """Put accounts' verdict on the password next to the field; False if not about it."""
    if refused.status == 422:
        form.fail("password", refused.message)
        return True
    if refused.status == 400:
        message = refused.field_messages().get("password")
        form.fail("password", message or "Ce mot de passe ne peut pas être utilisé.")
        return True
    if refused.status == 429:
        form.fail(
            "password",
            f"Trop de tentatives en peu de temps. Par sécurité, attendez {_wait(refused)} "
            "avant de réessayer.",
        )
        return True
    return False


# --- a password chosen from a link: /activer and /mot-de-passe ---------------------------

PasswordPurpose = Literal["confirmation", "password_reset"]

# Where accounts takes the password each kind of link leads to.
_PASSWORD_PATHS: dict[PasswordPurpose, str] = {
    "confirmation": "/accounts/confirmations",
    "password_reset": "/accounts/password-resets/confirm",
}


# The page where each kind of link has its password chosen.
_PASSWORD_PAGES: dict[PasswordPurpose, str] = {
    "confirmation": "links/activate.html",
    "password_reset": "links/new_password.html",
}


async def _password_form(
    request: web.Request, purpose: PasswordPurpose, link: Link, form: Form, *, status: int = 200
) -> web.Response:
    return await render(
        request,
        _PASSWORD_PAGES[purpose],
        {
            "link": link,
            "form": form,
            "errors": form.errors,
            "valid_for": _valid_for(request, purpose),
        },
        status=status,
    )


async def _password_from_link(
    request: web.Request, form: Form, password: str, purpose: PasswordPurpose, *, empty: str
) -> Answer | web.StreamResponse:
    """Send the password chosen from the link in ``form``: accounts' answer when it takes
    it, else the page to show (the form again with what to correct, or what is wrong with
    the link). ``empty`` says what to do when no password was typed."""
    token = form.text("token")
    if not password:
        form.fail("password", empty)
    else:
        try:
            return await api_of(request).call(
                "POST",
                _PASSWORD_PATHS[purpose],
                json={"token": token, "password": password},
                anonymous=True,
            )
        except ApiRefusedError as refused:
            if not _refused_password(form, refused):
                return await _problem(request, await _link(request, token), purpose)
    link = await _link(request, token)
    if not link.usable_for(purpose):
        return await _problem(request, link, purpose)
    return await _password_form(request, purpose, link, form, status=422)


# --- /activer ----------------------------------------------------------------------------


async def activation_page(request: web.Request) -> web.Response:
    """Create the password of a new account (the link of the sign-up email)."""
    link = await _link(request, request.query.get("token", ""))
    if not link.usable_for("confirmation"):
        return await _problem(request, link, "confirmation")
    return await _password_form(request, "confirmation", link, Form())


async def activate(request: web.Request) -> web.StreamResponse:
    """Activate the account with the chosen password; the person is then signed in."""
    data = await request.post()
    form = Form.of(data)
    answer = await _password_from_link(
        request,
        form,
        _password_of(data),
        "confirmation",
        empty="Choisissez un mot de passe d'au moins 12 caractères.",
    )
    if isinstance(answer, web.StreamResponse):
        return answer
    user = signed_in_user(answer.body)
    visit = request[VISIT]
    await visit.sign_in(user, tokens_of(answer.body), remember=False)
    await visit.flash(
        f"Votre compte est activé. Bienvenue, {user.first_name} ! Vous pouvez "
        "maintenant utiliser la plateforme."
    )
    return see_other(start_page(user.role))


# --- /mot-de-passe -------------------------------------------------------------------------


async def password_page(request: web.Request) -> web.Response:
    """Without a token: ask for a link. With the emailed token: choose a new password."""
    if "token" not in request.query:
        return await _ask_reset_form(request, Form())
    link = await _link(request, request.query["token"])
    if not link.usable_for("password_reset"):
        return await _problem(request, link, "password_reset")
    return await _password_form(request, "password_reset", link, Form())


async def _ask_reset_form(
    request: web.Request,
    form: Form,
    *,
    status: int = 200,
    throttled: str | None = None,
) -> web.Response:
    return await render(
        request,
        "links/ask_reset.html",
        {
            "form": form,
            "errors": form.errors,
            "throttled": throttled,
            "valid_for": _valid_for(request, "password_reset"),
        },
        status=status,
    )


async def password_form(request: web.Request) -> web.StreamResponse:
    """The two forms of ``/mot-de-passe``: ask for a link, or set the new password."""
    data = await request.post()
    form = Form.of(data)
    if "token" in form.values:
        return await _set_new_password(request, form, _password_of(data))
    return await _ask_reset(request, form)


async def _ask_reset(request: web.Request, form: Form) -> web.StreamResponse:
    email = form.email("email", empty="Saisissez l'adresse e-mail de votre compte.")
    if not form.ok:
        return await _ask_reset_form(request, form, status=422)
    try:
        await api_of(request).call(
            "POST", "/accounts/password-resets", json={"email": email}, anonymous=True
        )
    except ApiRefusedError as refused:
        if refused.status == 429:
            message = (
                "Vous avez demandé plusieurs liens en peu de temps. Par sécurité, attendez "
                f"{_wait(refused)} avant d'en demander un autre. Le dernier lien reçu reste "
                "valable 5 minutes : pensez à regarder dans vos courriers indésirables."
            )
            return await _ask_reset_form(request, form, status=429, throttled=message)
        form.fail("email", refused.message or "Vérifiez l'adresse e-mail saisie.")
        return await _ask_reset_form(request, form, status=422)
    await request[VISIT].save_draft(_RESET_DRAFT, {"email": email})
    return see_other("/mot-de-passe/lien-envoye")


async def reset_link_sent(request: web.Request) -> web.Response:
    """« Si un compte existe… »: never says whether the address has an account."""
    email = request[VISIT].draft(_RESET_DRAFT).get("email")
    return await render(
        request,
        "links/sent.html",
        {
            "purpose": "password_reset",
            "renewed": False,
            "email": email,
            "valid_for": _valid_for(request, "password_reset"),
        },
    )


async def _set_new_password(request: web.Request, form: Form, password: str) -> web.StreamResponse:
    answer = await _password_from_link(
        request,
        form,
        password,
        "password_reset",
        empty="Choisissez un nouveau mot de passe d'au moins 12 caractères.",
    )
    if isinstance(answer, web.StreamResponse):
        return answer
    visit = request[VISIT]
    # Every session of the account ended at accounts, this browser's included.
    await visit.sign_out()
    await visit.drop_draft(_RESET_DRAFT)
    await visit.flash(
        "Votre mot de passe a été changé, connectez-vous avec votre nouveau mot de passe."
    )
    return see_other(SIGN_IN_PAGE)


# --- /email ------------------------------------------------------------------------------


async def email_page(request: web.Request) -> web.Response:
    """Confirm a new email address: a button, since mail scanners open links."""
    link = await _link(request, request.query.get("token", ""))
    if not link.usable_for("email_change"):
        return await _problem(request, link, "email_change")
    return await render(request, "links/email.html", {"link": link})


async def confirm_email(request: web.Request) -> web.StreamResponse:
    """The new address becomes the account's; a signed-in header shows it at once."""
    form = Form.of(await request.post())
    token = form.text("token")
    api = api_of(request)
    try:
        answer = await api.call(
            "POST", "/accounts/email-changes/confirm", json={"token": token}, anonymous=True
        )
    except ApiRefusedError as refused:
        link = await _link(request, token)
        return await _problem(request, link, "email_change", taken=refused.code == "email_taken")
    email = str(answer.body["email"])
    visit = request[VISIT]
    if visit.user is not None:
        # Whoever is signed in here may not be the link's owner: ask accounts who they are.
        try:
            me = await api.get("/accounts/me")
        except (ApiRefusedError, SignedOutError):
            me = None
        if isinstance(me, dict) and me.get("email"):
            await visit.update_user(email=str(me["email"]))
    await visit.flash(f"Votre nouvelle adresse e-mail est confirmée : {email}.")
    return see_other("/email/confirmee")


async def email_confirmed(request: web.Request) -> web.Response:
    """What comes next once the new address is the account's."""
    return await render(request, "links/email_done.html")


# --- a new link in place of an expired one -------------------------------------------------


def _throttled_renewal(refused: ApiRefusedError) -> str:
    return (
        "Vous avez demandé plusieurs nouveaux liens en peu de temps. Par sécurité, attendez "
        f"{_wait(refused)} avant d'en demander un autre, et regardez aussi dans vos courriers "
        "indésirables : le dernier lien envoyé y est peut-être."
    )


async def renew_link(request: web.Request) -> web.StreamResponse:
    """Send a fresh link of the same purpose to the same address, in one step."""
    form = Form.of(await request.post())
    token = form.text("token")
    page = _PURPOSE_OF_SLUG.get(form.text("page"), "confirmation")
    link = await _link(request, token)
    if link.purpose is None:
        return await _problem(request, link, page)
    try:
        await api_of(request).call(
            "POST", "/accounts/links/renewal", json={"token": token}, anonymous=True
        )
    except ApiRefusedError as refused:
        if refused.status != 429:
            raise
        return await _problem(request, link, link.purpose, throttled=_throttled_renewal(refused))
    return see_other(f"/nouveau-lien/envoye?objet={_SLUGS[link.purpose]}")


async def renewed_link_sent(request: web.Request) -> web.Response:
    """« Vérifiez votre messagerie »: the new link is on its way."""
    purpose = _PURPOSE_OF_SLUG.get(request.query.get("objet", ""))
    if purpose is None:
        raise web.HTTPNotFound()
    return await render(
        request,
        "links/sent.html",
        {
            "purpose": purpose,
            "renewed": True,
            "email": None,
            "valid_for": _valid_for(request, purpose),
        },
    )
