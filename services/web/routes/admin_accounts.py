"""« Comptes » for administrators: find an account, see its role and state, create a
referent, change a referent's territory, suspend an ambassador or lift it; and the
sectors and jobs catalogue, read-only (the accounts API ships it as reference data and
offers no way to edit it).

The accounts API decides and audits every read; the pages show its answers in French.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import Api, ApiRefusedError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.domain.labels import ACCOUNT_STATES
from services.web.domain.menu import ROLE_NAMES
from services.web.rendering import VISIT, render, render_form, see_other
from shared.french import of

ACCOUNTS = "/admin/comptes"
SHOWN = 20
JOBS_SHOWN = 50


def add_admin_account_routes(router: web.UrlDispatcher) -> None:
    """The administrators' pages on accounts and the catalogue."""
    router.add_get(ACCOUNTS, accounts_page)
    router.add_get(f"{ACCOUNTS}/{{id}}", account_page)
    router.add_post(f"{ACCOUNTS}/{{id}}/territoire", change_territory)
    add_form_page(router, "/admin/referents/nouveau", referent_form, create_referent)
    router.add_get("/admin/catalogue", catalogue_page)


async def _places(api: Api) -> tuple[list[tuple[str, str, None]], list[tuple[str, str, None]]]:
    """Departments and bassins as checkbox options."""
    territory = await api.get("/accounts/territory")
    return (
        [(row["code"], f"{row['name']} ({row['code']})", None) for row in territory["departments"]],
        [(row["code"], row["name"], None) for row in territory["bassins"]],
    )


def _territory(form: Form, departments: list[str], bassins: list[str]) -> dict[str, list[str]]:
    """The territory ticked in the form; at least one department or bassin."""
    chosen = {
        "departments": [code for code in departments if code in form.many("departements")],
        "bassins": [slug for slug in bassins if slug in form.many("bassins")],
    }
    if not chosen["departments"] and not chosen["bassins"]:
        form.fail("departements", "Cochez au moins un département ou un bassin.")
    return chosen


# --- the list and one account -----------------------------------------------------------


@requires("admin")
async def accounts_page(request: web.Request) -> web.Response:
    """Accounts, newest first; search by name, address or id, filter by role."""
    form = Form.of(request.query)
    params: dict[str, Any] = {"limit": SHOWN}
    search = form.optional("q", max_length=100)
    if search:
        params["q"] = search
    role = form.text("role")
    if role:
        params["role"] = form.choice("role", ROLE_NAMES, "Choisissez un rôle de la liste.")
    cursor = form.text("curseur")
    if cursor:
        params["cursor"] = cursor
    found: dict[str, Any] = {"items": [], "next_cursor": None}
    if form.ok:
        try:
            found = await api_of(request).get("/accounts/users", params=params)
        except ApiRefusedError as refused:
            if refused.status != 400:
                raise
            form.fail("q", "Indiquez le début d'un nom ou d'une adresse e-mail.")
    filters = {name: form.text(name) for name in ("q", "role") if form.text(name)}
    return await render(
        request,
        "admin/accounts.html",
        {
            "accounts": found["items"],
            "next_query": urlencode({**filters, "curseur": found["next_cursor"]})
            if found.get("next_cursor")
            else None,
            "values": form.values,
            "errors": form.errors,
            "searched": bool(filters),
            "roles": list(ROLE_NAMES.items()),
            "account_states": ACCOUNT_STATES,
        },
        status=200 if form.ok else 422,
    )


async def _account(request: web.Request) -> dict[str, Any]:
    found: dict[str, Any] = await api_of(request).shown(
        f"/accounts/users/{request.match_info['id']}"
    )
    return found


async def _show_account(
    request: web.Request, account: dict[str, Any], form: Form | None = None
) -> web.Response:
    departments, bassins = await _places(api_of(request))
    territory = account.get("territory") or {"departments": [], "bassins": []}
    values = (
        form.values
        if form
        else {"departements": territory["departments"], "bassins": territory["bassins"]}
    )
    return await render(
        request,
        "admin/account.html",
        {
            "account": account,
            "account_states": ACCOUNT_STATES,
            "departments": departments,
            "bassins": bassins,
            "names": {code: label for code, label, _ in departments + bassins},
            "values": values,
            "errors": form.errors if form else {},
        },
        status=422 if form and form.errors else 200,
    )


@requires("admin")
async def account_page(request: web.Request) -> web.Response:
    """One account: who, role, state; a referent's territory, an ambassador's suspension."""
    return await _show_account(request, await _account(request))


@requires("admin")
async def change_territory(request: web.Request) -> web.StreamResponse:
    """A referent's new territory; their next access token carries it."""
    account = await _account(request)
    if account["role"] != "referent":
        raise web.HTTPNotFound()
    form = Form.of(await request.post())
    departments, bassins = await _places(api_of(request))
    territory = _territory(form, [c for c, _, _ in departments], [s for s, _, _ in bassins])
    if not form.ok:
        return await _show_account(request, account, form)
    try:
        await api_of(request).call(
            "PUT", f"/accounts/referents/{account['id']}/territory", json=territory
        )
    except ApiRefusedError as refused:
        if refused.status not in (400, 404, 422):
            raise
        form.fail("departements", refused.message)
        return await _show_account(request, account, form)
    await request[VISIT].flash(
        f"Le territoire de {account['first_name']} {account['last_name']} est changé : "
        "ses droits sur l'ancien territoire s'arrêtent aussitôt ; il se reconnecte pour "
        "travailler sur le nouveau."
    )
    return see_other(f"{ACCOUNTS}/{account['id']}")


# --- a new referent ---------------------------------------------------------------------


async def _referent_page(request: web.Request, form: Form | None = None) -> web.Response:
    departments, bassins = await _places(api_of(request))
    return await render_form(
        request, "admin/referent_form.html", {"departments": departments, "bassins": bassins}, form
    )


@requires("admin")
async def referent_form(request: web.Request) -> web.Response:
    """« Créer un référent territorial »: who, and their territory."""
    return await _referent_page(request)


@requires("admin")
async def create_referent(request: web.Request) -> web.StreamResponse:
    """Create the referent; they choose a password from the emailed 12 h link."""
    form = Form.of(await request.post())
    first = form.required("prenom", "Indiquez le prénom.", max_length=80)
    last = form.required("nom", "Indiquez le nom.", max_length=80)
    email = form.email("email", empty="Indiquez l'adresse e-mail du référent.")
    departments, bassins = await _places(api_of(request))
    territory = _territory(form, [c for c, _, _ in departments], [s for s, _, _ in bassins])
    if not form.ok:
        return await _referent_page(request, form)
    body = {"first_name": first, "last_name": last, "email": email, "territory": territory}
    try:
        created = await api_of(request).post("/accounts/referents", body)
    except ApiRefusedError as refused:
        if refused.status not in (400, 409, 422):
            raise
        fields = {"first_name": "prenom", "last_name": "nom", "email": "email"}
        by_field = refused.field_messages()
        placed = False
        for name, message in by_field.items():
            field = next((f for key, f in fields.items() if name.startswith(key)), "departements")
            form.fail(field, message or refused.message)
            placed = True
        if not placed:
            form.fail("email" if refused.status == 409 else "prenom", refused.message)
        return await _referent_page(request, form)
    await request[VISIT].flash(
        f"Le compte {of(first)} {last} est créé : un lien valable 12 heures lui est envoyé "
        f"à {email} pour choisir son mot de passe."
    )
    return see_other(f"{ACCOUNTS}/{created['id']}")


# --- the catalogue ----------------------------------------------------------------------


@requires("admin")
async def catalogue_page(request: web.Request) -> web.Response:
    """The sectors and the common job titles, as the sign-up forms offer them."""
    api = api_of(request)
    form = Form.of(request.query)
    params: dict[str, Any] = {"limit": JOBS_SHOWN}
    search = form.optional("q", max_length=100)
    if search:
        params["q"] = search
    sectors = await api.get("/accounts/sectors")
    sector = form.text("secteur")
    if sector:
        params["sector"] = form.choice(
            "secteur", [row["slug"] for row in sectors], "Choisissez un secteur de la liste."
        )
    jobs: dict[str, Any] = {"items": [], "next_cursor": None}
    if form.ok:
        jobs = await api.get("/accounts/jobs", params=params)
    return await render(
        request,
        "admin/catalogue.html",
        {
            "sectors": sectors,
            "sector_options": [(row["slug"], row["name"]) for row in sectors],
            "jobs": jobs["items"],
            "more_jobs": bool(jobs.get("next_cursor")),
            "values": form.values,
            "errors": form.errors,
        },
        status=200 if form.ok else 422,
    )
