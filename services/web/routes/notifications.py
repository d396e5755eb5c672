"""« Mes notifications » (the emails one may decline) and the one-click unsubscribe page.

The notifier owns both: the site shows its answers and sends what the person chose.
``/desabonnement`` is the address of the emails' ``List-Unsubscribe`` link: a GET only
shows the confirm button (mail scanners open links; a GET must change nothing), a POST
unsubscribes. That POST is the one form of the site taken without the anti-forgery
token (see ``security.CSRF_EXEMPT``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiRefusedError, ApiUnavailableError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.rendering import VISIT, render, see_other
from services.web.security import posted_form

SETTINGS_PAGE = "/mon-profil/notifications"
UNSUBSCRIBE_PAGE = "/desabonnement"
# What the site says at sign-in when the notifier stopped writing to the person.
BOUNCING_ADDRESS = (
    "Votre adresse e-mail refuse nos messages : nous ne vous écrivons plus. "
    "Changez-la dans « Mon profil », rubrique « Connexion »."
)


def add_notification_routes(router: web.UrlDispatcher) -> None:
    """« Mes notifications » and the unsubscribe link of the emails."""
    add_form_page(router, SETTINGS_PAGE, settings_page, change_settings)
    add_form_page(router, UNSUBSCRIBE_PAGE, unsubscribe_page, unsubscribe)


async def my_emails(request: web.Request) -> dict[str, Any]:
    """The person's choices and the state of their address, as the notifier has them."""
    emails: dict[str, Any] = await api_of(request).get("/notifier/me/emails")
    return emails


async def warn_if_bouncing(request: web.Request) -> None:
    """At sign-in: say so when the person's address refuses the platform's emails.

    The sign-in itself never depends on it: a notifier that does not answer is skipped.
    """
    try:
        emails = await my_emails(request)
    except (ApiRefusedError, ApiUnavailableError):
        return
    if emails.get("address_undeliverable"):
        await request[VISIT].flash(BOUNCING_ADDRESS, "warning")


@requires()
async def settings_page(request: web.Request) -> web.Response:
    """One checkbox per kind of email the person may decline."""
    return await render(
        request, "notifications/settings.html", {"emails": await my_emails(request)}
    )


@requires()
async def change_settings(request: web.Request) -> web.StreamResponse:
    """Receive the checked kinds, decline the others."""
    form = Form.of(await request.post())
    current = await my_emails(request)
    wanted = {choice["kind"]: form.checked(choice["kind"]) for choice in current["choices"]}
    await api_of(request).call("PUT", "/notifier/me/emails", json={"wanted": wanted})
    await request[VISIT].flash("Vos choix d'e-mails ont été enregistrés.")
    return see_other(SETTINGS_PAGE)


def _token(request: web.Request) -> str:
    return request.query.get("jeton", "").strip()


async def unsubscribe_page(request: web.Request) -> web.Response:
    """What the link declines, and the button that confirms it (nothing changes yet)."""
    token = _token(request)
    try:
        found = await api_of(request).call(
            "GET", f"/notifier/unsubscriptions/{quote(token, safe='')}", anonymous=True
        )
    except ApiRefusedError:
        return await render(request, "notifications/invalid_link.html", status=404)
    return await render(
        request,
        "notifications/unsubscribe.html",
        {"kind": found.body, "action": f"{UNSUBSCRIBE_PAGE}?jeton={quote(token, safe='')}"},
    )


async def unsubscribe(request: web.Request) -> web.StreamResponse:
    """Decline the kind the link names: the confirm button, or a mail program's one click."""
    form = Form.of(await posted_form(request))
    if form.text("List-Unsubscribe") != "One-Click":
        raise web.HTTPBadRequest()
    try:
        answer = await api_of(request).call(
            "POST", "/notifier/unsubscriptions", json={"token": _token(request)}, anonymous=True
        )
    except ApiRefusedError:
        return await render(request, "notifications/invalid_link.html", status=404)
    return await render(request, "notifications/unsubscribed.html", {"kind": answer.body})
