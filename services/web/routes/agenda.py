"""« Agenda »: the dashboard (« Notifications », « Rendez-vous »), one request or
appointment with the ambassador's answer, and the open calls for events.

Everything comes from the agenda API on behalf of the signed-in person; the API
decides who sees what (a request that is not one's own answers 404, as if it did not
exist), and the pages show its answer in French.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires, user_of
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain.agenda import (
    MAX_OTHER_SLOTS,
    PAST_VIEW,
    cancellable,
    cancelled_message,
    feedback_due,
    heading_of,
    history,
    is_late,
    next_step,
    read_slots,
    side_of,
    slot_field_of,
    slot_fields,
    slots_to_take,
    view_of,
    views_for,
    when_of,
)
from services.web.domain.audiences import AGENDA_ROLES, CALL_ROLES, ORGANISERS
from services.web.domain.forms import Form
from services.web.domain.labels import (
    APPOINTMENT_STATES,
    CALL_STATES,
    EVENT_TYPES,
    FORMATS,
    INTERVENTIONS,
    REQUESTER_ROLES,
)
from services.web.rendering import VISIT, render, render_form, see_other
from services.web.routes.call_publishing import (
    PUBLISH,
    add_call_publishing_routes,
    sector_names,
)
from shared.french import PARIS, sentence

NOTIFICATIONS_SHOWN = 10
PAGE_SIZE = 20
MAX_MESSAGE = 2000
RATINGS = ("1", "2", "3", "4", "5")

_LABELS = {
    "states": APPOINTMENT_STATES,
    "call_states": CALL_STATES,
    "kinds": INTERVENTIONS,
    "formats": FORMATS,
    "event_types": EVENT_TYPES,
    "requester_roles": REQUESTER_ROLES,
}


def add_agenda_routes(router: web.UrlDispatcher) -> None:
    """The agenda's pages."""
    router.add_get("/agenda", dashboard)
    router.add_post("/agenda/notifications/lues", read_all)
    router.add_get("/agenda/rendez-vous/{id}", appointment_page)
    router.add_post("/agenda/rendez-vous/{id}/accepter", accept)
    router.add_post("/agenda/rendez-vous/{id}/refuser", refuse)
    router.add_post("/agenda/rendez-vous/{id}/creneaux/{n}", take_slot)
    add_form_page(router, "/agenda/rendez-vous/{id}/annuler", cancel_page, cancel)
    router.add_post("/agenda/rendez-vous/{id}/avis", give_feedback)
    router.add_get("/agenda/rendez-vous/{id}/rendez-vous.ics", calendar_file)
    router.add_get("/agenda/rendez-vous/{id}/conversation", conversation_of)
    # Before « /agenda/appels/{id} », which would take « nouveau » for a call's id.
    add_call_publishing_routes(router)
    router.add_get("/agenda/appels", calls_page)
    router.add_get("/agenda/appels/{id}", call_page)
    router.add_post("/agenda/appels/{id}/participer", take_place)
    router.add_post("/agenda/appels/{id}/clore", close_call)


def _refused_to_page(refused: ApiRefusedError) -> web.HTTPException:
    """The API's « not yours / not found » and « not allowed » as the site's pages."""
    if refused.status == 403:
        return web.HTTPForbidden()
    return web.HTTPNotFound()


async def _back_with_refusal(
    request: web.Request, refused: ApiRefusedError, page: str
) -> web.StreamResponse:
    """An action the API refused: the site's page when it is not the visitor's or is gone,
    else back to ``page``, whose banner gives the API's reason."""
    if refused.status in (403, 404):
        raise _refused_to_page(refused) from refused
    await request[VISIT].flash(refused.message, "error")
    return see_other(page)


async def _fetch(request: web.Request, path: str) -> dict[str, Any]:
    """One resource of the agenda API; 403 and 404 become the site's pages."""
    try:
        found: dict[str, Any] = await api_of(request).get(path)
    except ApiRefusedError as refused:
        if refused.status in (400, 403, 404):
            raise _refused_to_page(refused) from refused
        raise
    return found


# --- the dashboard ----------------------------------------------------------------------


@requires(*AGENDA_ROLES)
async def dashboard(request: web.Request) -> web.Response:
    """« Notifications » and « Rendez-vous » (« RDV à venir » / « RDV passés »; requesters
    also by status), and for ambassadors their engagement within reach."""
    api = api_of(request)
    role = user_of(request).role
    views = views_for(role)
    view = view_of(request.query.get("vue"), views)
    cursor = request.query.get("curseur") or None
    lists = [
        api.get("/agenda/notifications", params={"limit": NOTIFICATIONS_SHOWN}),
        api.get(
            "/agenda/appointments", params={**view.params(), "limit": PAGE_SIZE, "cursor": cursor}
        ),
    ]
    if role == "ambassador":
        lists.append(api.get("/accounts/me"))
    try:
        # All at once: the page waits for the slowest one only.
        notifications, appointments, *me = await asyncio.gather(*lists)
    except ApiRefusedError as refused:
        if refused.status != 400:  # a stale or edited cursor: back to the first page
            raise
        return see_other(view.address())
    return await render(
        request,
        "agenda/dashboard.html",
        {
            **_LABELS,
            "notifications": notifications["items"],
            "more_notifications": notifications["next_cursor"] is not None,
            "unread": sum(1 for item in notifications["items"] if not item["read"]),
            "appointments": appointments["items"],
            "next_cursor": appointments["next_cursor"],
            "views": views,
            "view": view,
            "availability": me[0]["ambassador"]["availability"] if me else None,
            "role": role,
        },
    )


@requires(*AGENDA_ROLES)
async def read_all(request: web.Request) -> web.StreamResponse:
    """« Tout marquer comme lu »."""
    await api_of(request).post("/agenda/notifications/read-all")
    await request[VISIT].flash("Vos notifications sont marquées comme lues.")
    return see_other("/agenda")


# --- one request or appointment ---------------------------------------------------------


@requires()
async def appointment_page(request: web.Request) -> web.Response:
    """One request: its brief, its status and what happened when, the answer's forms."""
    return await _appointment_response(request, request.match_info["id"])


async def _appointment_response(
    request: web.Request,
    appointment_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    appointment = await _fetch(request, f"/agenda/appointments/{appointment_id}")
    side = side_of(appointment, user_of(request).id)
    now = datetime.now(PARIS)
    return await render(
        request,
        "agenda/appointment.html",
        {
            **_LABELS,
            "appointment": appointment,
            "side": side,
            "heading": heading_of(appointment),
            "history": history(appointment),
            "next_step": next_step(appointment, side),
            "takeable": slots_to_take(appointment, side),
            "cancellable": cancellable(appointment, now),
            "feedback_due": feedback_due(appointment, side, now),
            "slot_rows": [slot_fields(n) for n in range(1, MAX_OTHER_SLOTS + 1)],
            "today": now.date().isoformat(),
            "ratings": RATINGS,
            "values": values or {},
            "errors": errors or {},
        },
        status=status,
    )


async def _answer(request: web.Request, verb: str) -> web.StreamResponse:
    """Accept or refuse, with the ambassador's optional message (and other slots)."""
    appointment_id = request.match_info["id"]
    form = Form.of(await request.post())
    field = f"{verb}_message"
    message = form.optional(field, max_length=MAX_MESSAGE)
    body: dict[str, Any] = {"message": message} if message else {}
    if verb == "refuse":
        body["alternative_slots"] = read_slots(form, today=datetime.now(PARIS).date())
    if form.ok:
        try:
            answered = await api_of(request).post(
                f"/agenda/appointments/{appointment_id}/{verb}", body or None
            )
        except ApiRefusedError as refused:
            if refused.status in (403, 404):
                raise _refused_to_page(refused) from refused
            if refused.status in (400, 422):
                placed = slot_field_of(refused.field_messages())
                form.fail(placed or field, refused.message)
            else:
                # Answered meanwhile, overlapping, suspended…: the page shows where it stands.
                await request[VISIT].flash(refused.message, "error")
                return see_other(f"/agenda/rendez-vous/{appointment_id}")
        else:
            requester = answered["requester"]["name"]
            what = "acceptation" if verb == "accept" else "réponse"
            await request[VISIT].flash(sentence(f"Votre {what} a été envoyée à {requester}"))
            return see_other(f"/agenda/rendez-vous/{appointment_id}")
    return await _appointment_response(
        request, appointment_id, values=form.values, errors=form.errors, status=422
    )


@requires("ambassador")
async def accept(request: web.Request) -> web.StreamResponse:
    """« Accepter »."""
    return await _answer(request, "accept")


@requires("ambassador")
async def refuse(request: web.Request) -> web.StreamResponse:
    """« Refuser », with a personal message in place of the automatic one."""
    return await _answer(request, "refuse")


@requires(*ORGANISERS)
async def take_slot(request: web.Request) -> web.StreamResponse:
    """« Retenir ce créneau »: the new appointment is accepted at once."""
    appointment_id, index = request.match_info["id"], request.match_info["n"]
    if not index.isdigit():
        raise web.HTTPNotFound()
    try:
        taken = await api_of(request).post(
            f"/agenda/appointments/{appointment_id}/alternatives/{index}/take"
        )
    except ApiRefusedError as refused:
        return await _back_with_refusal(request, refused, f"/agenda/rendez-vous/{appointment_id}")
    await request[VISIT].flash(
        sentence(
            "Créneau retenu : le rendez-vous est accepté. Un e-mail prévient "
            f"{taken['ambassador']['name']}"
        )
    )
    return see_other(f"/agenda/rendez-vous/{taken['id']}")


# --- open calls for events --------------------------------------------------------------


@requires(*CALL_ROLES)
async def calls_page(request: web.Request) -> web.StreamResponse:
    """The open calls one organised, sees in one's territory, or was invited to (all of
    them for an administrator); organisers find « Publier un appel » here."""
    role = user_of(request).role
    when = when_of(request.query.get("vue"))
    cursor = request.query.get("curseur") or None
    try:
        calls = await api_of(request).get(
            "/agenda/calls", params={"when": when, "limit": PAGE_SIZE, "cursor": cursor}
        )
    except ApiRefusedError as refused:
        if refused.status != 400:
            raise
        return see_other("/agenda/appels")
    return await render(
        request,
        "agenda/calls.html",
        {
            **_LABELS,
            "calls": calls["items"],
            "next_cursor": calls["next_cursor"],
            "when": when,
            "past_view": PAST_VIEW,
            "role": role,
            "publish": PUBLISH if role in ORGANISERS else None,
        },
    )


@requires()
async def call_page(request: web.Request) -> web.Response:
    """One call: the event, the places left, « Je participe » for an invited ambassador."""
    found = await _fetch(request, f"/agenda/calls/{request.match_info['id']}")
    sectors = await sector_names(api_of(request)) if found["wanted_sectors"] else {}
    return await render(
        request,
        "agenda/call.html",
        {**_LABELS, "call": found, "role": user_of(request).role, "sectors": sectors},
    )


@requires("ambassador")
async def take_place(request: web.Request) -> web.StreamResponse:
    """Take a place at the event (the first ones to answer)."""
    call_id = request.match_info["id"]
    try:
        taken = await api_of(request).post(f"/agenda/calls/{call_id}/accept")
    except ApiRefusedError as refused:
        return await _back_with_refusal(request, refused, f"/agenda/appels/{call_id}")
    await request[VISIT].flash(
        f"Votre place est réservée pour « {taken['title']} ». "
        "Le rendez-vous apparaît dans vos « RDV à venir »."
    )
    return see_other(f"/agenda/appels/{call_id}")


@requires("staff", "referent", "admin")
async def close_call(request: web.Request) -> web.StreamResponse:
    """Close the call: no one takes a place any more, those who took one keep it."""
    call_id = request.match_info["id"]
    visit = request[VISIT]
    try:
        closed = await api_of(request).post(f"/agenda/calls/{call_id}/close")
    except ApiRefusedError as refused:
        return await _back_with_refusal(request, refused, f"/agenda/appels/{call_id}")
    coming = len(closed.get("attendees") or [])
    kept = {
        0: "Personne ne s'était inscrit.",
        1: "L'ambassadeur inscrit garde sa place.",
    }.get(coming, f"Les {coming} ambassadeurs inscrits gardent leur place.")
    await visit.flash(
        f"L'appel « {closed['title']} » est clos : plus personne ne peut s'inscrire. {kept}"
    )
    return see_other(f"/agenda/appels/{call_id}")


# --- cancel, give one's opinion, add to one's calendar ----------------------------------


@requires(*AGENDA_ROLES)
async def cancel_page(request: web.Request) -> web.Response:
    """« Annuler »: the reason, and a warning when the visit is less than 48 hours away."""
    return await _cancel_form(request, await _fetch(request, _api_path(request)))


async def _cancel_form(
    request: web.Request, appointment: dict[str, Any], form: Form | None = None
) -> web.Response:
    if not cancellable(appointment, datetime.now(PARIS)):
        raise web.HTTPNotFound()
    return await render_form(
        request,
        "agenda/cancel.html",
        {**_LABELS, "appointment": appointment, "late": is_late(appointment, datetime.now(PARIS))},
        form,
    )


@requires(*AGENDA_ROLES)
async def cancel(request: web.Request) -> web.StreamResponse:
    """Cancel with a reason; the other side is told by email."""
    appointment = await _fetch(request, _api_path(request))
    form = Form.of(await request.post())
    reason = form.required(
        "motif",
        "Indiquez le motif de l'annulation : il est transmis à l'autre partie.",
        max_length=MAX_MESSAGE,
    )
    if form.ok:
        try:
            await api_of(request).post(f"{_api_path(request)}/cancel", {"reason": reason})
        except ApiRefusedError as refused:
            if refused.status in (403, 404):
                raise _refused_to_page(refused) from refused
            if refused.status in (400, 422):
                form.fail("motif", refused.message)
            else:
                await request[VISIT].flash(refused.message, "error")
                return see_other(f"/agenda/rendez-vous/{appointment['id']}")
        else:
            await request[VISIT].flash(cancelled_message(appointment, user_of(request).id))
            return see_other(f"/agenda/rendez-vous/{appointment['id']}")
    return await _cancel_form(request, appointment, form)


@requires(*AGENDA_ROLES)
async def give_feedback(request: web.Request) -> web.StreamResponse:
    """« Donner mon avis » once the visit took place: 1 to 5 and a comment."""
    appointment_id = request.match_info["id"]
    form = Form.of(await request.post())
    rating = form.choice("note", RATINGS, "Choisissez une note de 1 à 5.")
    comment = form.optional("commentaire", max_length=MAX_MESSAGE)
    if form.ok:
        body: dict[str, Any] = {"rating": int(rating)}
        if comment:
            body["comment"] = comment
        try:
            await api_of(request).post(f"{_api_path(request)}/feedback", body)
        except ApiRefusedError as refused:
            if refused.status in (403, 404):
                raise _refused_to_page(refused) from refused
            await request[VISIT].flash(refused.message, "error")
        else:
            await request[VISIT].flash("Merci, votre avis est enregistré.")
        return see_other(f"/agenda/rendez-vous/{appointment_id}")
    return await _appointment_response(
        request, appointment_id, values=form.values, errors=form.errors, status=422
    )


@requires(*AGENDA_ROLES)
async def calendar_file(request: web.Request) -> web.StreamResponse:
    """The accepted appointment as an ``.ics`` file for one's own calendar."""
    try:
        answer = await api_of(request).call("GET", f"{_api_path(request)}/calendar.ics")
    except ApiRefusedError as refused:
        if refused.status == 409:
            await request[VISIT].flash(refused.message, "error")
            return see_other(f"/agenda/rendez-vous/{request.match_info['id']}")
        raise _refused_to_page(refused) from refused
    return web.Response(
        body=answer.body if isinstance(answer.body, bytes) else str(answer.body).encode(),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="rendez-vous.ics"'},
    )


@requires(*AGENDA_ROLES)
async def conversation_of(request: web.Request) -> web.StreamResponse:
    """The request's conversation in « Messagerie » (a referent's: read along)."""
    scope = "territory" if user_of(request).role == "referent" else "mine"
    found = await api_of(request).get(
        "/messaging/conversations",
        params={"scope": scope, "appointment_id": request.match_info["id"], "limit": 1},
    )
    if not found["items"]:
        # Opened by an event a moment after the request: the list will show it soon.
        await request[VISIT].flash(
            "La conversation de cette demande n'est pas encore ouverte : réessayez dans un "
            "instant.",
            "info",
        )
        return see_other("/messagerie")
    return see_other(f"/messagerie/{found['items'][0]['id']}")


def _api_path(request: web.Request) -> str:
    return f"/agenda/appointments/{request.match_info['id']}"
