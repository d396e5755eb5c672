"""« Partenaires » for administrators: the partnership requests sent from « Devenir
partenaire », the partner organisations (their charter and skills-sponsorship
convention), and the account of each organisation's contact, who then reads its
report under « Mon organisation ».

A request becomes an organisation in one step: « Enregistrer » carries what the
request said into the form, and once the organisation exists, into the contact's; the
request is then « enregistrée », linked to its organisation. A request that will not
become one is « classée sans suite », and may be put back among those to handle.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import Api, ApiRefusedError
from services.web.context import api_of
from services.web.domain.forms import Form
from services.web.domain.labels import ACCOUNT_STATES
from services.web.domain.organisations import (
    CONTACT_FIELDS,
    ORGANISATION_FIELDS,
    ORGANISATION_KINDS,
    contact_values,
    organisation_values,
    read_contact,
    read_organisation,
)
from services.web.rendering import VISIT, render, render_form, see_other
from services.web.routes.partnership import place_refusal
from shared.french import of

PARTNERS = "/admin/partenaires"
NEW = f"{PARTNERS}/nouvelle"
REQUESTS = f"{PARTNERS}/demandes"
SHOWN = 20
# Accounts attached to one organisation shown on its page (newest first).
ATTACHED_SHOWN = 50
# The requests' filters: address value → (the API's status, words of the filter's link).
REQUEST_FILTERS = {
    "": ("new", "À traiter"),
    "enregistrees": ("registered", "Enregistrées"),
    "classees": ("declined", "Classées sans suite"),
}
# What a request hands on to the contact's form once its organisation is recorded.
_CONTACT_QUERY = ("contact", "email", "telephone")
# The request an organisation is recorded from, carried by its form, and the accounts
# API's refusals about it (the request is gone, or already became an organisation).
_FROM_REQUEST = "demande"
_REQUEST_REFUSALS = ("unknown_partner_request", "partner_request_registered")
_KIND_OPTIONS = [(key, label, None) for key, label in ORGANISATION_KINDS.items()]


def add_admin_partner_routes(router: web.UrlDispatcher) -> None:
    """The administrators' pages on partners."""
    router.add_get(PARTNERS, partners_page)
    add_form_page(router, NEW, new_organisation_form, create_organisation)
    router.add_get(f"{PARTNERS}/{{id}}", organisation_page)
    add_form_page(router, f"{PARTNERS}/{{id}}/modifier", edit_form, update_organisation)
    add_form_page(router, f"{PARTNERS}/{{id}}/contact", contact_form, create_contact)
    add_form_page(router, f"{REQUESTS}/{{id}}/classer", decline_page, decline)
    router.add_post(f"{REQUESTS}/{{id}}/rouvrir", reopen)


def _requests_filtered(key: str) -> str:
    return f"{PARTNERS}?{urlencode({'etat': key})}" if key else PARTNERS


@requires("admin")
async def partners_page(request: web.Request) -> web.StreamResponse:
    """The requests received (those to handle unless asked), newest first, and the
    organisations, by name."""
    api = api_of(request)
    form = Form.of(request.query)
    search = form.optional("q", max_length=100)
    shown = form.text("etat")
    if shown not in REQUEST_FILTERS:
        return see_other(PARTNERS)
    requests = await _page_or_first(
        api,
        "/accounts/partner-requests",
        {"status": REQUEST_FILTERS[shown][0], "cursor": form.text("demandes") or None},
    )
    organisations: dict[str, Any] = {"items": [], "next_cursor": None}
    if form.ok:
        try:
            organisations = await _page_or_first(
                api,
                "/accounts/organizations",
                {"q": search, "cursor": form.text("curseur") or None},
            )
        except ApiRefusedError as refused:
            if refused.status != 400:
                raise
            form.fail("q", "Indiquez le début du nom d'une organisation.")
    return await render(
        request,
        "admin/partners.html",
        {
            "requests": requests["items"],
            "more_requests": _next(requests, "demandes", {"etat": shown} if shown else {}),
            "request_filters": [
                (_requests_filtered(key), label) for key, (_, label) in REQUEST_FILTERS.items()
            ],
            "current_request_filter": _requests_filtered(shown),
            "shown_requests": shown,
            "organisations": organisations["items"],
            "more_organisations": _next(organisations, "curseur", {"q": search} if search else {}),
            "values": form.values,
            "errors": form.errors,
            "kinds": ORGANISATION_KINDS,
            "register": _register_link,
        },
        status=200 if form.ok else 422,
    )


async def _page_or_first(api: Api, path: str, params: dict[str, Any]) -> dict[str, Any]:
    """One page of a list; the first one when the address's cursor is not ours."""
    kept = {key: value for key, value in params.items() if value}
    try:
        found: dict[str, Any] = await api.get(path, params={**kept, "limit": SHOWN})
    except ApiRefusedError as refused:
        if refused.status != 400 or "cursor" not in kept:
            raise
        kept.pop("cursor")
        found = await api.get(path, params={**kept, "limit": SHOWN})
    return found


def _next(found: dict[str, Any], cursor_name: str, kept: dict[str, str]) -> str | None:
    cursor = found.get("next_cursor")
    return f"{PARTNERS}?{urlencode({**kept, cursor_name: cursor})}" if cursor else None


def _register_link(request_row: dict[str, Any]) -> str:
    """« Enregistrer » a request: the organisation's form, filled from it."""
    given = {
        _FROM_REQUEST: request_row["id"],
        "nom": request_row["organization_name"],
        "siret": request_row.get("siret") or "",
        "contact": request_row["contact_name"],
        "email": request_row["email"],
        "telephone": request_row.get("phone") or "",
    }
    return f"{NEW}?{urlencode({key: value for key, value in given.items() if value})}"


# --- one organisation --------------------------------------------------------------------


async def _organisation(request: web.Request) -> dict[str, Any]:
    found: dict[str, Any] = await api_of(request).shown(
        f"/accounts/organizations/{request.match_info['id']}", hidden=(400, 403, 404)
    )
    return found


async def _sent(form: Form, sending: Awaitable[Any], fields: dict[str, str], default: str) -> Any:
    """The accounts API's answer, or None with its refusal shown at the field concerned."""
    try:
        return await sending
    except ApiRefusedError as refused:
        if refused.status not in (400, 409, 422):
            raise
        place_refusal(form, refused, fields, default=default)
        return None


async def _organisation_form(
    request: web.Request, organisation: dict[str, Any] | None, form: Form | None
) -> web.Response:
    """The organisation's form: to record a new one, or to change ``organisation``."""
    action = f"{PARTNERS}/{organisation['id']}/modifier" if organisation else NEW
    return await render_form(
        request,
        "admin/organisation_form.html",
        {"kinds": _KIND_OPTIONS, "action": action, "organisation": organisation},
        form,
    )


@requires("admin")
async def new_organisation_form(request: web.Request) -> web.Response:
    """« Enregistrer une organisation partenaire », blank or filled from a request."""
    given = {
        key: value for key, value in request.query.items() if key in ("nom", "siret", _FROM_REQUEST)
    }
    handed = {key: value for key, value in request.query.items() if key in _CONTACT_QUERY}
    form = Form(values={**given, **handed}) if given or handed else None
    return await _organisation_form(request, None, form)


@requires("admin")
async def create_organisation(request: web.Request) -> web.StreamResponse:
    """Record the organisation (and that its request, if any, became it); next, its
    contact's account."""
    form = Form.of(await request.post())
    body = read_organisation(form)
    if body is not None:
        from_request = form.text(_FROM_REQUEST)
        if from_request:
            body["partner_request_id"] = from_request
        try:
            created = await api_of(request).post("/accounts/organizations", body)
        except ApiRefusedError as refused:
            if refused.status not in (400, 409, 422):
                raise
            place_refusal(form, refused, ORGANISATION_FIELDS, default="nom")
            if refused.code in _REQUEST_REFUSALS:
                # Said at the name; sent again, the form records the organisation alone.
                form.values.pop(_FROM_REQUEST, None)
        else:
            await request[VISIT].flash(
                f"L'organisation « {created['name']} » est enregistrée. Créez maintenant le "
                "compte de son contact : il pourra suivre les interventions de ses salariés."
            )
            handed = {key: form.text(key) for key in _CONTACT_QUERY if form.text(key)}
            query = f"?{urlencode(handed)}" if handed else ""
            return see_other(f"{PARTNERS}/{created['id']}/contact{query}")
    return await _organisation_form(request, None, form)


@requires("admin")
async def organisation_page(request: web.Request) -> web.Response:
    """The organisation, its charter and its convention, its contacts' accounts and the
    ambassadors it employs (each list read, and audited, by the accounts API)."""
    organisation = await _organisation(request)
    api = api_of(request)

    async def attached(role: str) -> dict[str, Any]:
        params = {"organization_id": organisation["id"], "role": role, "limit": ATTACHED_SHOWN}
        found: dict[str, Any] = await api.get("/accounts/users", params=params)
        return found

    contacts, employees = await attached("partner"), await attached("ambassador")
    return await render(
        request,
        "admin/organisation.html",
        {
            "organisation": organisation,
            "kinds": ORGANISATION_KINDS,
            "contacts": contacts["items"],
            "employees": employees["items"],
            "more_employees": employees.get("next_cursor") is not None,
            "shown": ATTACHED_SHOWN,
            "account_states": ACCOUNT_STATES,
        },
    )


@requires("admin")
async def edit_form(request: web.Request) -> web.Response:
    """The organisation's form, filled with what is recorded."""
    organisation = await _organisation(request)
    form = Form(values=dict(organisation_values(organisation)))
    return await _organisation_form(request, organisation, form)


@requires("admin")
async def update_organisation(request: web.Request) -> web.StreamResponse:
    """Record the changes; the partner's report follows them."""
    organisation = await _organisation(request)
    form = Form.of(await request.post())
    body = read_organisation(form)
    if body is not None:
        path = f"/accounts/organizations/{organisation['id']}"
        sending = api_of(request).call("PATCH", path, json=body)
        if await _sent(form, sending, ORGANISATION_FIELDS, "nom") is not None:
            await request[VISIT].flash(f"L'organisation « {body['name']} » est modifiée.")
            return see_other(f"{PARTNERS}/{organisation['id']}")
    return await _organisation_form(request, organisation, form)


# --- its contact ---------------------------------------------------------------------------


async def _contact_form(
    request: web.Request, organisation: dict[str, Any], form: Form | None
) -> web.Response:
    return await render_form(
        request, "admin/contact_form.html", {"organisation": organisation}, form
    )


@requires("admin")
async def contact_form(request: web.Request) -> web.Response:
    """« Créer le compte d'un contact », filled from the request when there was one."""
    organisation = await _organisation(request)
    query = request.query
    form = None
    if any(query.get(key) for key in _CONTACT_QUERY):
        given = contact_values(
            query.get("contact", ""), query.get("email", ""), query.get("telephone", "")
        )
        form = Form(values=dict(given))
    return await _contact_form(request, organisation, form)


@requires("admin")
async def create_contact(request: web.Request) -> web.StreamResponse:
    """Create the contact's account; they choose a password from the emailed 12 h link."""
    organisation = await _organisation(request)
    form = Form.of(await request.post())
    body = read_contact(form)
    if body is not None:
        path = f"/accounts/organizations/{organisation['id']}/contacts"
        if await _sent(form, api_of(request).post(path, body), CONTACT_FIELDS, "email"):
            await request[VISIT].flash(
                f"Le compte {of(body['first_name'])} {body['last_name']} est créé : un lien "
                f"valable 12 heures lui est envoyé à {body['email']} pour choisir son mot de "
                f"passe. Il verra le bilan de « {organisation['name']} »."
            )
            return see_other(f"{PARTNERS}/{organisation['id']}")
    return await _contact_form(request, organisation, form)


# --- a request that will not become an organisation -----------------------------------------


async def _partner_request(request: web.Request) -> dict[str, Any]:
    found: dict[str, Any] = await api_of(request).shown(
        f"/accounts/partner-requests/{request.match_info['id']}", hidden=(400, 403, 404)
    )
    return found


@requires("admin")
async def decline_page(request: web.Request) -> web.Response:
    """What « Classer sans suite » changes, before the administrator confirms."""
    return await render(
        request, "admin/partner_request_decline.html", {"row": await _partner_request(request)}
    )


@requires("admin")
async def decline(request: web.Request) -> web.StreamResponse:
    """No organisation will come from the request; it stays readable, and reopenable."""
    return await _handle(request, "decline", "La demande de « {name} » est classée sans suite.")


@requires("admin")
async def reopen(request: web.Request) -> web.StreamResponse:
    """Put a declined request back among those to handle."""
    return await _handle(request, "reopen", "La demande de « {name} » est de nouveau à traiter.")


async def _handle(request: web.Request, action: str, done: str) -> web.StreamResponse:
    """The accounts API's ``action`` on the request, then back to the requests with a
    banner saying it is ``done``, or why it was not."""
    path = f"/accounts/partner-requests/{request.match_info['id']}/{action}"
    visit = request[VISIT]
    try:
        handled = await api_of(request).post(path)
    except ApiRefusedError as refused:
        if refused.status in (400, 404):
            raise web.HTTPNotFound() from refused
        await visit.flash(refused.message, kind="error")
        return see_other(_requests_filtered("enregistrees") + "#demandes")
    await visit.flash(done.format(name=handled["organization_name"]))
    return see_other(f"{PARTNERS}#demandes")
