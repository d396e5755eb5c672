"""« Publier un appel à participation »: an educational team or a referent publishes an
open call for an event (a forum, a fair, open days); the agenda invites the matching
ambassadors of the zone by email, and the first ones to answer take the places.

A member of an educational team publishes for their own establishment; a referent
names the establishment that hosts the event by its UAI code, within their territory.
The administrators see and close the calls but do not organise any (the agenda API's
rule).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires, user_of
from services.web.client import Api, ApiRefusedError
from services.web.context import api_of
from services.web.domain.audiences import ORGANISERS
from services.web.domain.forms import Form
from services.web.domain.labels import EVENT_TYPES, FORMATS
from services.web.rendering import VISIT, render, see_other
from services.web.routes.establishments import establishment_of
from services.web.routes.partnership import place_refusal
from shared.french import PARIS

PUBLISH = "/agenda/appels/nouveau"
# Where the form lived when only referents published; kept for their bookmarks.
FORMER_PUBLISH = "/referents/appels/nouveau"
# The API's field names, and the form's field that shows their problem.
_FIELD_OF = {
    "title": "titre",
    "event_type": "type",
    "format": "format",
    "online_url": "lien",
    "starts_at": "jour",
    "duration_minutes": "duree",
    "establishment": "uai",
    "audience": "niveau",
    "places": "places",
    "description": "description",
    "wanted_sectors": "secteurs",
}
# The API's refusals of the whole call, and the form's field they are about.
_FIELD_OF_CODE = {
    "outside_territory": "uai",
    "establishment_not_yours": "uai",
    "establishment_required": "uai",
    "online_url_required": "lien",
    "start_in_past": "jour",
}


def add_call_publishing_routes(router: web.UrlDispatcher) -> None:
    """The form that publishes an open call."""
    add_form_page(router, PUBLISH, call_form, publish_call)
    router.add_get(FORMER_PUBLISH, moved)
    router.add_post(FORMER_PUBLISH, moved)


async def moved(request: web.Request) -> web.StreamResponse:
    """The former address of the form: bookmarks follow, and a form a page still open
    since then sends is sent again to the new address (308 keeps the method)."""
    raise web.HTTPPermanentRedirect(PUBLISH)


async def _page(
    request: web.Request,
    values: dict[str, Any] | None = None,
    form: Form | None = None,
    sectors: Mapping[str, str] | None = None,
) -> web.Response:
    """The form, empty or as it was typed, with the staff member's establishment named
    (``sectors``: the list the caller read already, if it did)."""
    role = user_of(request).role
    api = api_of(request)
    own = None
    if role == "staff":
        me = await api.get("/accounts/me")
        if me["staff"]["verification"]["status"] != "verified":
            raise web.HTTPForbidden()  # the page says their attachment awaits a referent
        own = me["staff"]["establishment"]
    if sectors is None:
        sectors = await sector_names(api)
    return await render(
        request,
        "agenda/call_form.html",
        {
            "values": values or {"format": "in_person", "type": "forum", "duree": "120"},
            "errors": form.errors if form else {},
            "event_types": [(key, label, None) for key, label in EVENT_TYPES.items()],
            "formats": [(key, label, None) for key, label in FORMATS.items()],
            "sectors": [(slug, name, None) for slug, name in sectors.items()],
            "today": datetime.now(PARIS).date().isoformat(),
            "own_establishment": own,
        },
        status=422 if form else 200,
    )


@requires(*ORGANISERS)
async def call_form(request: web.Request) -> web.Response:
    """The event, where it takes place, and the places."""
    return await _page(request)


async def sector_names(api: Api) -> dict[str, str]:
    """The professional sectors an organiser may look for, by slug."""
    return {item["slug"]: item["name"] for item in await api.get("/accounts/sectors")}


def read_call(
    form: Form, *, asks_establishment: bool, sectors: Mapping[str, str]
) -> dict[str, Any] | None:
    """The call as the agenda API takes it (without its establishment), or None with
    each field's problem recorded in ``form``. Of the ``sectors`` ticked, those known
    are kept (none: every sector is wanted)."""
    title = form.required("titre", "Indiquez le nom de l'événement.", max_length=200)
    event_type = form.choice("type", EVENT_TYPES, "Choisissez le type d'événement.")
    where = form.choice("format", FORMATS, "Choisissez en présentiel ou à distance.")
    link = form.optional("lien", max_length=500)
    if where == "online" and not link:
        form.fail("lien", "Indiquez le lien de connexion de l'événement à distance.")
    day = form.day("jour", "Indiquez le jour de l'événement.")
    hour = form.text("heure")
    try:
        starts = time.fromisoformat(hour) if hour else None
    except ValueError:
        starts = None
    if starts is None:
        form.fail("heure", "Indiquez l'heure de début, par exemple 09:30.")
    moment = datetime.combine(day, starts, tzinfo=PARIS) if day and starts else None
    if moment is not None and moment <= datetime.now(PARIS):
        form.fail("jour", "Indiquez une date après aujourd'hui.")
    minutes = form.number("duree", "Indiquez la durée en minutes.", low=15, high=480)
    if asks_establishment:
        form.required("uai", "Indiquez le code UAI de l'établissement qui accueille.")
    level = form.required("niveau", "Indiquez le niveau des élèves, par exemple 3e.", max_length=40)
    pupils = form.number("eleves", "Indiquez le nombre d'élèves attendus.", low=1, high=1000)
    places = form.number("places", "Indiquez le nombre d'ambassadeurs attendus.", low=1, high=500)
    description = form.optional("description", max_length=2000)
    ticked = form.many("secteurs")
    wanted = [slug for slug in sectors if slug in ticked]
    if not form.ok or moment is None:
        return None
    body: dict[str, Any] = {
        "title": title,
        "event_type": event_type,
        "format": where,
        "starts_at": moment.isoformat(),
        "duration_minutes": minutes,
        "audience": {"level": level, "group_size": pupils},
        "places": places,
        "wanted_sectors": wanted,
    }
    if link:
        body["online_url"] = link
    if description:
        body["description"] = description
    return body


def _published_message(published: dict[str, Any]) -> str:
    """What the banner says once the call is out: who was invited, what comes next."""
    invited = published["invited"] or 0
    who = {
        0: "Aucun ambassadeur de la zone n'accepte pour l'instant ce type d'événement à "
        "cette date : vous pouvez aussi solliciter des ambassadeurs un par un.",
        1: "1 ambassadeur de la zone est invité par e-mail.",
    }.get(invited, f"{invited} ambassadeurs de la zone sont invités par e-mail.")
    return (
        f"L'appel « {published['title']} » est publié. {who} "
        "Ceux qui prennent une place apparaissent ici."
    )


@requires(*ORGANISERS)
async def publish_call(request: web.Request) -> web.StreamResponse:
    """Publish the call: the matching ambassadors of the zone are invited by email."""
    form = Form.of(await request.post())
    role = user_of(request).role
    api = api_of(request)
    sectors = await sector_names(api)
    body = read_call(form, asks_establishment=role == "referent", sectors=sectors)
    if body is not None:
        establishment = await establishment_of(api, role, form)
        if establishment is not None:
            body["establishment"] = establishment
    if body is not None and form.ok:
        try:
            published = await api.post("/agenda/calls", body)
        except ApiRefusedError as refused:
            if refused.status == 403 and refused.code not in _FIELD_OF_CODE:
                # Not about this call: a member of a team not yet confirmed, say; the
                # forbidden page tells them why.
                raise web.HTTPForbidden() from refused
            if refused.status not in (400, 403, 409, 422):
                raise
            # Next to the field it concerns; a refusal of the whole call, where it points.
            where = _FIELD_OF_CODE.get(refused.code, "titre")
            place_refusal(form, refused, _FIELD_OF, default=where)
        else:
            await request[VISIT].flash(_published_message(published))
            return see_other(f"/agenda/appels/{published['id']}")
    # The sectors ticked go back as a list, even when only one was.
    return await _page(request, {**form.values, "secteurs": form.many("secteurs")}, form, sectors)
