"""« Mon profil »: what one sees of one's account, and « Mise à jour de mes informations »."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires, user_of
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.availability import pause_days
from services.web.domain.forms import Form
from services.web.domain.labels import EMPLOYMENTS, INTERVENTIONS, PROFILES, RECORD_STATES
from services.web.rendering import VISIT, render, see_other


def add_profile_routes(router: web.UrlDispatcher) -> None:
    """The profile and the forms that change it."""
    router.add_get("/mon-profil", show)
    router.add_get("/mon-compte", moved)  # the address of emails sent before the site
    add_form_page(router, "/mon-profil/modifier", edit_page, edit)
    add_form_page(router, "/mon-profil/email", email_page, change_email)
    add_form_page(router, "/mon-profil/mot-de-passe", password_page, change_password)
    add_form_page(router, "/mon-profil/consentements", consents_page, change_consents)


async def moved(request: web.Request) -> web.StreamResponse:
    """``/mon-compte`` is now ``/mon-profil``."""
    raise web.HTTPMovedPermanently("/mon-profil")


async def me_of(request: web.Request) -> dict[str, Any]:
    """The signed-in person's account as accounts shows it."""
    me: dict[str, Any] = await api_of(request).get("/accounts/me")
    return me


@requires()
async def show(request: web.Request) -> web.Response:
    """Everything one's account holds, each part with its « Modifier » link."""
    api = api_of(request)
    me = await me_of(request)
    context: dict[str, Any] = {"me": me, "record_states": RECORD_STATES}
    if me.get("ambassador"):
        context["pause"] = pause_days(me["ambassador"]["availability"])
        territory, sectors = await asyncio.gather(
            api.get("/accounts/territory"), api.get("/accounts/sectors")
        )
        context.update(
            profiles=PROFILES,
            interventions=INTERVENTIONS,
            employments=EMPLOYMENTS,
            departments={row["code"]: row["name"] for row in territory["departments"]},
            bassins={row["code"]: row["name"] for row in territory["bassins"]},
            sectors={row["slug"]: row["name"] for row in sectors},
        )
    return await render(request, "profile/show.html", context)


# --- « Mise à jour de mes informations » ---------------------------------------------


@requires()
async def edit_page(request: web.Request) -> web.Response:
    """The fields of the account its owner may change, filled with what is kept."""
    me = await me_of(request)
    return await render(request, "profile/edit.html", {"me": me, "values": _editable(me)})


@requires()
async def edit(request: web.Request) -> web.StreamResponse:
    """Send what changed; the names shown in the header follow."""
    me = await me_of(request)
    form = Form.of(await request.post())
    changes: dict[str, Any] = {
        "first_name": form.required("first_name", "Indiquez votre prénom.", max_length=80),
        "last_name": form.required("last_name", "Indiquez votre nom.", max_length=80),
    }
    phone = form.phone("phone")
    if phone or me.get("phone"):
        changes["phone"] = phone
    if me.get("ambassador"):
        changes["postcode"] = form.postcode("postcode")
        changes["city"] = form.required("city", "Indiquez votre commune.", max_length=100)
        changes["background"] = form.optional("background", max_length=2000) or ""
    if me.get("staff"):
        changes["position"] = form.required(
            "position", "Indiquez votre fonction, par exemple professeur principal.", max_length=120
        )
    if form.ok:
        try:
            await api_of(request).call("PATCH", "/accounts/me", json=changes)
        except ApiRefusedError as refused:
            _show_refusal(form, refused, default="first_name")
        else:
            await request[VISIT].update_user(
                first_name=changes["first_name"], last_name=changes["last_name"]
            )
            await request[VISIT].flash("Vos informations ont été mises à jour.")
            return see_other("/mon-profil")
    return await render(
        request,
        "profile/edit.html",
        {"me": me, "values": form.values, "errors": form.errors},
        status=422,
    )


def _editable(me: dict[str, Any]) -> dict[str, Any]:
    values = {name: me.get(name) or "" for name in ("first_name", "last_name", "phone")}
    ambassador = me.get("ambassador") or {}
    for name in ("postcode", "city", "background"):
        values[name] = ambassador.get(name) or ""
    values["position"] = (me.get("staff") or {}).get("position", "")
    return values


# --- email and password ----------------------------------------------------------------


@requires()
async def email_page(request: web.Request) -> web.Response:
    """Change the address: a link goes to the new one."""
    return await render(request, "profile/email.html", {"values": {}})


@requires()
async def change_email(request: web.Request) -> web.StreamResponse:
    """Ask accounts to send the confirmation link to the new address."""
    form = Form.of(await request.post())
    new_email = form.email("new_email", empty="Indiquez votre nouvelle adresse e-mail.")
    password = _current_password(form)
    if await _proven_change(
        request,
        form,
        "/accounts/me/email",
        {"new_email": new_email, "current_password": password},
        default="new_email",
    ):
        current = user_of(request).email
        await request[VISIT].flash(
            f"Un lien de confirmation a été envoyé à {new_email}. Il est valable 12 heures. "
            f"D'ici là, votre adresse reste {current}."
        )
        return see_other("/mon-profil")
    return await render(
        request, "profile/email.html", {"values": form.values, "errors": form.errors}, status=422
    )


@requires()
async def password_page(request: web.Request) -> web.Response:
    """Change the password, the current one asked first."""
    return await render(request, "profile/password.html")


@requires()
async def change_password(request: web.Request) -> web.StreamResponse:
    """Accounts checks the current password and the rules for the new one."""
    form = Form.of(await request.post())
    current = _current_password(form)
    new = form.text("new_password")
    if not new:
        form.fail("new_password", "Choisissez un nouveau mot de passe.")
    if await _proven_change(
        request,
        form,
        "/accounts/me/password",
        {"current_password": current, "new_password": new},
        default="new_password",
    ):
        await request[VISIT].flash(
            "Votre mot de passe a été changé. Vos autres appareils sont déconnectés."
        )
        return see_other("/mon-profil")
    return await render(request, "profile/password.html", {"errors": form.errors}, status=422)


def _current_password(form: Form) -> str:
    """The current password, which proves every change of the address or the password."""
    password = form.text("current_password")
    if not password:
        form.fail("current_password", "Saisissez votre mot de passe actuel.")
    return password


async def _proven_change(
    request: web.Request, form: Form, path: str, body: dict[str, str], *, default: str
) -> bool:
    """Send a change the current password proves, if the form holds no error: whether
    accounts made it (else its refusal is next to its field, ``default`` when it names
    none)."""
    if not form.ok:
        return False
    try:
        await api_of(request).post(path, body)
    except ApiRefusedError as refused:
        _show_refusal(form, refused, default=default, current_field="current_password")
        return False
    return True


# --- consents ------------------------------------------------------------------------------


@requires()
async def consents_page(request: web.Request) -> web.Response:
    """Give or withdraw each consent; the date of each change is kept."""
    me = await me_of(request)
    return await render(request, "profile/consents.html", {"me": me})


@requires()
async def change_consents(request: web.Request) -> web.StreamResponse:
    """Replace both consents with what the boxes say."""
    form = Form.of(await request.post())
    await api_of(request).call(
        "PUT",
        "/accounts/me/consents",
        json={"image_rights": form.checked("image_rights"), "surveys": form.checked("surveys")},
    )
    await request[VISIT].flash("Vos consentements ont été enregistrés.")
    return see_other("/mon-profil")


def _show_refusal(
    form: Form, refused: ApiRefusedError, *, default: str, current_field: str | None = None
) -> None:
    """Put accounts' message next to its field (``current_field``: the current password)."""
    if refused.status == 429:
        form.fail(current_field or default, refused.message)
        return
    if refused.code == "wrong_password" and current_field:
        form.fail(current_field, "Le mot de passe actuel est incorrect.")
        return
    by_field = refused.field_messages()
    for name, message in by_field.items():
        form.fail(name.split(".")[-1], message)
    if not by_field:
        form.fail(default, refused.message)
