"""« Mon calendrier personnel »: the private address of the ambassador's calendar feed,
to subscribe to in their usual calendar program, and its renewal.

The address holds its own key and the agenda keeps it hashed: it can be shown only
when it is made. The site keeps it in the person's session until the next page has
shown it once, so a reload never asks to send the form again.
"""

from __future__ import annotations

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.context import api_of
from services.web.rendering import VISIT, render, see_other

CALENDAR_PAGE = "/agenda/calendrier"
_NEW_LINK = "calendar_link"


def add_calendar_routes(router: web.UrlDispatcher) -> None:
    """The personal calendar's page."""
    add_form_page(router, CALENDAR_PAGE, calendar_page, new_link)
    router.add_post(f"{CALENDAR_PAGE}/revoquer", revoke)


@requires("ambassador")
async def calendar_page(request: web.Request) -> web.Response:
    """Whether a link exists, the new one if it was just made, and the actions."""
    visit = request[VISIT]
    made = visit.draft(_NEW_LINK).get("url")
    if made:
        await visit.drop_draft(_NEW_LINK)
    state = await api_of(request).get("/agenda/calendar-token")
    return await render(request, "agenda/calendar.html", {"state": state, "made": made})


@requires("ambassador")
async def new_link(request: web.Request) -> web.StreamResponse:
    """Make the address (or a new one: the old one stops working)."""
    link = await api_of(request).post("/agenda/calendar-token")
    await request[VISIT].save_draft(_NEW_LINK, {"url": link["url"]})
    return see_other(CALENDAR_PAGE)


@requires("ambassador")
async def revoke(request: web.Request) -> web.StreamResponse:
    """The address stops working."""
    await api_of(request).call("DELETE", "/agenda/calendar-token")
    await request[VISIT].flash("L'adresse de votre calendrier ne fonctionne plus.")
    return see_other(CALENDAR_PAGE)
