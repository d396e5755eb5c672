"""Agenda's HTTP routes under ``/api/agenda``: thin, the use cases do the work."""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, Field

from services.agenda import appointments, audit, calendars, dashboard, errors, solicitations
from services.agenda.api.models import Acceptance, CancellationIn, Created, FeedbackIn, Refusal
from services.agenda.api.steering_routes import add_steering_routes
from services.agenda.context import AGENDA, Agenda
from services.agenda.shapes.appointments import AppointmentQuery, AppointmentView, NewSolicitation
from services.agenda.shapes.calendars import CalendarLink, CalendarLinkState
from services.agenda.shapes.notifications import NotificationQuery, NotificationView
from shared.http import Authenticated, Call, ErrorKind, Page, Roles, Router, read_json

BodyT = TypeVar("BodyT", bound=BaseModel)

REQUESTERS = Roles("staff", "referent")
READERS = Roles("ambassador", "staff", "referent", "admin")
AMBASSADOR = Roles("ambassador")
PARTIES = Roles("ambassador", "staff", "referent")
CANCELLERS = Roles("ambassador", "staff", "referent", "admin")

SOLICITATION_ERRORS = [
    errors.ESTABLISHMENT_NOT_YOURS,
    errors.OUTSIDE_TERRITORY,
    errors.ESTABLISHMENT_REQUIRED,
    *errors.AMBASSADOR_REFUSALS,
    errors.CLASS_PRESENTATION_TOO_LONG,
    errors.START_IN_PAST,
    errors.ONLINE_URL_REQUIRED,
    errors.TEAM_MEMBER_REQUIRED,
]


def agenda_of(call: Call[Any, Any]) -> Agenda:
    """The service's resources, from the application."""
    return call.request.config_dict[AGENDA]


async def optional_body(call: Call[Any, Any], model: type[BodyT]) -> BodyT:
    """The JSON body when one was sent; the model's defaults when the body is empty."""
    if not call.request.body_exists:
        return model()
    raw = await call.request.read()
    if not raw.strip():
        return model()
    return await read_json(call.request, model)


def _location(call: Call[Any, Any], appointment_id: str) -> None:
    call.response_headers["Location"] = f"/api/agenda/appointments/{appointment_id}"


# calendar ----------------------------------------------------------------------------


class CalendarQuery(BaseModel):
    """The feed's private key."""

    token: str = Field("", max_length=200, description="Jeton reçu de POST /calendar-token.")


def build_router() -> Router:
    """The agenda routes on a new ``Router`` (one per application instance)."""
    router = Router(
        "agenda",
        "Proch'Orientation — agenda",
        "1",
        description=(
            "Sollicitations, rendez-vous, réponses et créneaux proposés, notifications, "
            "calendrier personnel ; pilotage : file de travail des référents, statistiques, "
            "appels à participation pour des événements, bilans des partenaires."
        ),
    )
    add_appointment_routes(router)
    add_steering_routes(router)
    return router


def add_appointment_routes(router: Router) -> None:
    """Solicitations, appointments, notifications and calendars, for their parties."""

    # solicitations and appointments -----------------------------------------------------

    @router.post(
        "/solicitations",
        summary="Solliciter un ambassadeur",
        status=201,
        auth=REQUESTERS,
        errors=SOLICITATION_ERRORS,
    )
    async def create_solicitation(call: Call[NewSolicitation, None]) -> Created:
        """Staff (for their establishment) or a referent (in their territory) solicits."""
        appointment = await solicitations.solicit(agenda_of(call), call.user, call.body)
        _location(call, appointment.id)
        return Created(id=appointment.id, status=appointment.status)

    @router.get(
        "/appointments",
        summary="Mes rendez-vous (à venir ou passés)",
        auth=READERS,
    )
    async def list_appointments(call: Call[None, AppointmentQuery]) -> Page[AppointmentView]:
        """The caller's appointments: upcoming (not over yet) or past."""
        agenda = agenda_of(call)
        page = await dashboard.appointments(agenda, call.user, call.query)
        people = audit.in_appointments(call.user, page.items)
        await audit.record_reads(agenda, call.user, audit.APPOINTMENTS_LISTED, people)
        return page

    @router.get(
        "/appointments/{id}",
        summary="Un rendez-vous",
        auth=READERS,
        errors=[errors.APPOINTMENT_NOT_FOUND],
    )
    async def get_appointment(call: Call[None, None]) -> AppointmentView:
        """One appointment the caller may see."""
        agenda = agenda_of(call)
        view = AppointmentView.of(await appointments.visible(agenda, call.user, call.path("id")))
        people = audit.in_appointments(call.user, [view])
        await audit.record_reads(agenda, call.user, audit.APPOINTMENT_READ, people)
        return view

    @router.get(
        "/appointments/{id}/calendar.ics",
        summary="Un rendez-vous accepté, à ajouter à son calendrier (iCalendar)",
        status=200,
        auth=READERS,
        errors=[errors.APPOINTMENT_NOT_FOUND, errors.NOT_ACCEPTED],
    )
    async def appointment_calendar(call: Call[None, None]) -> web.Response:
        """One accepted appointment as an ``.ics`` file, for a party's own calendar."""
        agenda = agenda_of(call)
        appointment = await appointments.visible(agenda, call.user, call.path("id"))
        return web.Response(
            body=calendars.appointment_file(agenda, appointment),
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="rendez-vous.ics"',
                "Cache-Control": "private, no-store",
            },
        )

    answer_errors: list[ErrorKind] = [
        errors.APPOINTMENT_NOT_FOUND,
        errors.NOT_THE_AMBASSADOR,
        errors.NOT_PENDING,
        errors.CHANGED_MEANWHILE,
    ]

    @router.post(
        "/appointments/{id}/accept",
        summary="Accepter une sollicitation",
        description='Corps facultatif : `Acceptance` (`{"message": …}`).',
        auth=AMBASSADOR,
        errors=[
            *answer_errors,
            errors.OVERLAPPING_APPOINTMENT,
            errors.AMBASSADOR_SUSPENDED,
            errors.AMBASSADOR_UNAVAILABLE,
        ],
    )
    async def accept(call: Call[None, None]) -> AppointmentView:
        """The solicited ambassador accepts (body optional: ``{"message": …}``)."""
        body = await optional_body(call, Acceptance)
        appointment = await appointments.accept(
            agenda_of(call), call.user, call.path("id"), body.message
        )
        return AppointmentView.of(appointment)

    @router.post(
        "/appointments/{id}/refuse",
        summary="Refuser une sollicitation (message personnel, autres créneaux)",
        description=(
            "Corps facultatif : `Refusal` (`message`, `alternative_slots` : au plus 3 "
            "`{starts_at, duration_minutes}`)."
        ),
        auth=AMBASSADOR,
        errors=[*answer_errors, errors.START_IN_PAST, errors.CLASS_PRESENTATION_TOO_LONG],
    )
    async def refuse(call: Call[None, None]) -> AppointmentView:
        """The solicited ambassador declines (body optional: message and other slots)."""
        body = await optional_body(call, Refusal)
        appointment = await appointments.refuse(
            agenda_of(call), call.user, call.path("id"), body.message, body.alternative_slots
        )
        return AppointmentView.of(appointment)

    @router.post(
        "/appointments/{id}/alternatives/{n}/take",
        summary="Retenir un créneau proposé (le rendez-vous est aussitôt accepté)",
        status=201,
        auth=REQUESTERS,
        errors=[
            errors.APPOINTMENT_NOT_FOUND,
            errors.ALTERNATIVE_NOT_FOUND,
            errors.NOT_THE_REQUESTER,
            errors.NOT_REFUSED,
            errors.ALTERNATIVE_ALREADY_TAKEN,
            errors.OVERLAPPING_APPOINTMENT,
            errors.START_IN_PAST,
        ],
    )
    async def take_alternative(call: Call[None, None]) -> AppointmentView:
        """The requester takes an offered slot: a new appointment, already accepted."""
        raw = call.path("n")
        if not raw.isdigit():
            raise errors.ALTERNATIVE_NOT_FOUND.error()
        appointment = await solicitations.take_alternative(
            agenda_of(call), call.user, call.path("id"), int(raw)
        )
        _location(call, appointment.id)
        return AppointmentView.of(appointment)

    @router.post(
        "/appointments/{id}/cancel",
        summary="Annuler un rendez-vous (tardif à moins de 48 h)",
        auth=CANCELLERS,
        errors=[
            errors.APPOINTMENT_NOT_FOUND,
            errors.NOT_A_PARTY,
            errors.NOT_CANCELLABLE,
            errors.ALREADY_STARTED,
            errors.CHANGED_MEANWHILE,
        ],
    )
    async def cancel(call: Call[CancellationIn, None]) -> AppointmentView:
        """Either party, or the zone's referent, cancels."""
        appointment = await appointments.cancel(
            agenda_of(call), call.user, call.path("id"), call.body.reason
        )
        return AppointmentView.of(appointment)

    @router.post(
        "/appointments/{id}/feedback",
        summary="Donner son avis après l'intervention",
        auth=PARTIES,
        errors=[
            errors.APPOINTMENT_NOT_FOUND,
            errors.NOT_A_PARTY,
            errors.NOT_HELD,
            errors.NOT_FINISHED,
            errors.FEEDBACK_ALREADY_GIVEN,
        ],
    )
    async def give_feedback(call: Call[FeedbackIn, None]) -> AppointmentView:
        """A party rates the intervention once it is over."""
        appointment = await appointments.give_feedback(
            agenda_of(call), call.user, call.path("id"), call.body.rating, call.body.comment
        )
        return AppointmentView.of(appointment)

    # notifications ----------------------------------------------------------------------

    @router.get(
        "/notifications",
        summary="Mes notifications",
        auth=Authenticated(),
    )
    async def list_notifications(call: Call[None, NotificationQuery]) -> Page[NotificationView]:
        """The caller's informational feed, newest first."""
        return await dashboard.notifications(agenda_of(call), call.user, call.query)

    @router.post(
        "/notifications/read-all",
        summary="Marquer toutes mes notifications comme lues",
        auth=Authenticated(),
    )
    async def read_all_notifications(call: Call[None, None]) -> None:
        """Mark the whole feed as read."""
        await dashboard.mark_all_read(agenda_of(call), call.user)

    @router.post(
        "/notifications/{id}/read",
        summary="Marquer une notification comme lue",
        auth=Authenticated(),
        errors=[errors.NOTIFICATION_NOT_FOUND],
    )
    async def read_notification(call: Call[None, None]) -> None:
        """Mark one notification as read."""
        await dashboard.mark_read(agenda_of(call), call.user, call.path("id"))

    # calendar ---------------------------------------------------------------------------

    @router.get(
        "/calendar-token",
        summary="Savoir si le lien de mon calendrier personnel existe",
        description="Le lien lui-même n'est montré qu'à sa création : il est gardé haché.",
        auth=AMBASSADOR,
    )
    async def calendar_link_state(call: Call[None, None]) -> CalendarLinkState:
        """Whether the ambassador has a calendar address, and since when."""
        return await calendars.link_state(agenda_of(call), call.user)

    @router.post(
        "/calendar-token",
        summary="Créer (ou renouveler) le lien de mon calendrier personnel",
        status=201,
        auth=AMBASSADOR,
    )
    async def create_calendar_link(call: Call[None, None]) -> CalendarLink:
        """A new private address of the ambassador's calendar (the old one stops working)."""
        return await calendars.issue_link(agenda_of(call), call.user)

    @router.delete(
        "/calendar-token",
        summary="Révoquer le lien de mon calendrier personnel",
        auth=AMBASSADOR,
    )
    async def revoke_calendar_link(call: Call[None, None]) -> None:
        """The calendar address stops working."""
        await calendars.revoke_link(agenda_of(call), call.user)

    @router.get(
        "/calendar.ics",
        summary="Calendrier personnel (iCalendar) des rendez-vous acceptés",
        status=200,
        errors=[errors.CALENDAR_NOT_FOUND],
    )
    async def calendar_feed(call: Call[None, CalendarQuery]) -> web.Response:
        """The ambassador's accepted appointments as an iCalendar feed."""
        body = await calendars.calendar_of(agenda_of(call), call.query.token)
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Content-Disposition": 'inline; filename="prochorientation.ics"',
                "Cache-Control": "private, max-age=300",
                # The URL is a key: do not leak it to linked sites.
                "Referrer-Policy": "no-referrer",
            },
        )
