"""Routes for steering the network: referents' work queue and redirection, statistics,
open calls for events, partners' reports and attestations. Thin: the use cases work."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from services.agenda import (
    attestation,
    audit,
    calls,
    errors,
    partners,
    solicitations,
    statistics,
)
from services.agenda import work_queue as queue
from services.agenda.api.partner_models import ReportQuery
from services.agenda.api.referent_models import RedirectIn, WorkQueueQuery
from services.agenda.api.stats_csv import to_csv
from services.agenda.context import AGENDA, Agenda
from services.agenda.shapes.appointments import AppointmentView
from services.agenda.shapes.calls import CallQuery, CallView, NewCall
from services.agenda.shapes.partners import PartnerReport
from services.agenda.shapes.statistics import Statistics, StatsQuery
from services.agenda.shapes.work_queue import QueuedSolicitation, WorkQueue, WorkQueueNewcomer
from shared.french import PARIS
from shared.http import Authenticated, Call, Page, PageQuery, Roles, Router

STEERS = Roles("referent", "admin")
ORGANISERS = Roles("staff", "referent")
CALL_KEEPERS = Roles("staff", "referent", "admin")
PARTNER_READERS = Roles("admin", "referent", "partner")
AMBASSADOR = Roles("ambassador")


def _agenda(call: Call[Any, Any]) -> Agenda:
    return call.request.config_dict[AGENDA]


# work queue ---------------------------------------------------------------------------


async def _queue_read(call: Call[Any, Any], people: list[str | None]) -> None:
    await audit.record_reads(_agenda(call), call.user, audit.WORK_QUEUE_LISTED, people)


# partners ------------------------------------------------------------------------------


async def _partner_report(call: Call[None, ReportQuery]) -> PartnerReport:
    agenda = _agenda(call)
    report = await partners.report(agenda, call.user, call.path("id"), call.query.year)
    await audit.record_reads(agenda, call.user, audit.PARTNER_REPORT_READ, audit.in_report(report))
    return report


def add_steering_routes(router: Router) -> None:
    """Register the steering routes on agenda's router."""

    # work queue -------------------------------------------------------------------------

    @router.get(
        "/work-queue",
        summary="File de travail du référent (sollicitations en attente, signalées, "
        "nouveaux ambassadeurs)",
        auth=STEERS,
    )
    async def get_work_queue(call: Call[None, WorkQueueQuery]) -> WorkQueue:
        """What waits in the referent's territory (the region's for an admin)."""
        found = await queue.work_queue(_agenda(call), call.user, call.query.limit)
        await _queue_read(
            call,
            audit.in_queue([*found.pending.items, *found.escalated.items])
            + audit.in_newcomers(found.new_ambassadors.items),
        )
        return found

    @router.get(
        "/work-queue/pending",
        summary="Sollicitations en attente de réponse, les plus anciennes d'abord",
        auth=STEERS,
    )
    async def list_queue_pending(call: Call[None, PageQuery]) -> Page[QueuedSolicitation]:
        """Pending solicitations, the longest waiting first."""
        page = await queue.pending(_agenda(call), call.user, call.query)
        await _queue_read(call, audit.in_queue(page.items))
        return page

    @router.get(
        "/work-queue/escalated",
        summary="Sollicitations signalées au référent, avec les ambassadeurs proposés",
        auth=STEERS,
    )
    async def list_queue_escalated(call: Call[None, PageQuery]) -> Page[QueuedSolicitation]:
        """Escalated solicitations, with the ambassadors suggested instead."""
        page = await queue.escalated(_agenda(call), call.user, call.query)
        await _queue_read(call, audit.in_queue(page.items))
        return page

    @router.get(
        "/work-queue/new-ambassadors",
        summary="Nouveaux ambassadeurs de la zone jamais sollicités",
        auth=STEERS,
    )
    async def list_queue_newcomers(call: Call[None, PageQuery]) -> Page[WorkQueueNewcomer]:
        """New ambassadors of the zone nobody has solicited yet."""
        page = await queue.newcomers(_agenda(call), call.user, call.query)
        await _queue_read(call, audit.in_newcomers(page.items))
        return page

    @router.post(
        "/appointments/{id}/redirect",
        summary="Adresser une sollicitation en attente à un autre ambassadeur",
        description=(
            "La sollicitation d'origine est annulée (son ambassadeur est prévenu) ; une "
            "nouvelle, du même demandeur, part vers l'ambassadeur choisi."
        ),
        status=201,
        auth=STEERS,
        errors=[
            errors.APPOINTMENT_NOT_FOUND,
            errors.NOT_PENDING,
            errors.SAME_AMBASSADOR,
            *errors.AMBASSADOR_REFUSALS,
            errors.CHANGED_MEANWHILE,
        ],
    )
    async def redirect(call: Call[RedirectIn, None]) -> AppointmentView:
        """Send a pending solicitation's brief to another ambassador."""
        appointment = await solicitations.redirect(
            _agenda(call), call.user, call.path("id"), call.body.ambassador_id, call.body.message
        )
        call.response_headers["Location"] = f"/api/agenda/appointments/{appointment.id}"
        return AppointmentView.of(appointment)

    # statistics -------------------------------------------------------------------------

    stats_errors = [
        errors.OUTSIDE_TERRITORY,
        errors.INVALID_PERIOD,
        errors.BASSIN_NOT_IN_DEPARTMENT,
    ]

    @router.get(
        "/stats",
        summary="Statistiques du territoire (de la région pour un administrateur)",
        auth=STEERS,
        errors=stats_errors,
    )
    async def get_statistics(call: Call[None, StatsQuery]) -> Statistics:
        """The steering figures of a perimeter over a period."""
        return await statistics.statistics(_agenda(call), call.user, call.query)

    @router.get(
        "/stats.csv",
        summary="Statistiques au format CSV (séparateur « ; », virgule décimale, UTF-8)",
        status=200,
        auth=STEERS,
        errors=stats_errors,
    )
    async def get_statistics_csv(call: Call[None, StatsQuery]) -> web.Response:
        """The same figures as a CSV file for a spreadsheet."""
        figures = await statistics.statistics(_agenda(call), call.user, call.query)
        name = (
            f"statistiques-{figures.period.from_.isoformat()}-{figures.period.to.isoformat()}.csv"
        )
        return web.Response(
            body=to_csv(figures),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    # open calls -------------------------------------------------------------------------

    @router.post(
        "/calls",
        summary="Publier un appel à participation pour un événement",
        status=201,
        auth=ORGANISERS,
        errors=[
            errors.ESTABLISHMENT_NOT_YOURS,
            errors.OUTSIDE_TERRITORY,
            errors.ESTABLISHMENT_REQUIRED,
            errors.ONLINE_URL_REQUIRED,
            errors.START_IN_PAST,
        ],
    )
    async def publish_call(call: Call[NewCall, None]) -> CallView:
        """Publish an open call for an event; the zone's matching ambassadors are invited."""
        published = await calls.publish(_agenda(call), call.user, call.body)
        call.response_headers["Location"] = f"/api/agenda/calls/{published.id}"
        return calls.view(published, call.user)

    @router.get(
        "/calls",
        summary="Appels à participation (organisés, du territoire, ou reçus)",
        auth=Authenticated(),
    )
    async def list_calls(call: Call[None, CallQuery]) -> Page[CallView]:
        """The calls the caller organised, sees in their territory, or was invited to."""
        agenda = _agenda(call)
        page = await calls.calls(agenda, call.user, call.query)
        await audit.record_reads(
            agenda, call.user, audit.CALL_ATTENDEES_READ, audit.in_calls(call.user, page.items)
        )
        return page

    @router.get(
        "/calls/{id}",
        summary="Un appel à participation",
        auth=Authenticated(),
        errors=[errors.CALL_NOT_FOUND],
    )
    async def get_call(call: Call[None, None]) -> CallView:
        """One call; the organiser's side sees who comes."""
        agenda = _agenda(call)
        view = calls.view(await calls.visible_call(agenda, call.user, call.path("id")), call.user)
        await audit.record_reads(
            agenda, call.user, audit.CALL_ATTENDEES_READ, audit.in_calls(call.user, [view])
        )
        return view

    @router.post(
        "/calls/{id}/accept",
        summary="Prendre une place à un événement (les premiers arrivés)",
        auth=AMBASSADOR,
        errors=[
            errors.CALL_NOT_FOUND,
            errors.CALL_FULL,
            errors.CALL_CLOSED,
            errors.CALL_STARTED,
            errors.ALREADY_ATTENDING,
            errors.OVERLAPPING_APPOINTMENT,
            errors.AMBASSADOR_SUSPENDED,
            errors.AMBASSADOR_UNAVAILABLE,
        ],
    )
    async def accept_call(call: Call[None, None]) -> CallView:
        """An invited ambassador takes a place (409 ``call_full`` once none is left)."""
        taken = await calls.accept(_agenda(call), call.user, call.path("id"))
        return calls.view(taken, call.user)

    @router.post(
        "/calls/{id}/close",
        summary="Clore un appel à participation avant l'événement",
        description=(
            "Pour l'organisateur, son établissement, les référents du territoire et les "
            "administrateurs. Plus personne ne prend de place ; ceux qui en ont une la "
            "gardent. Les invités encore sans place le lisent dans leurs notifications."
        ),
        auth=CALL_KEEPERS,
        errors=[errors.CALL_NOT_FOUND, errors.CALL_CLOSED, errors.CALL_STARTED],
    )
    async def close_call(call: Call[None, None]) -> CallView:
        """The organiser's side or a referent of the territory closes the call."""
        closed = await calls.close(_agenda(call), call.user, call.path("id"))
        return calls.view(closed, call.user)

    # partners ---------------------------------------------------------------------------

    @router.get(
        "/organizations/{id}/report",
        summary="Bilan annuel d'un partenaire : interventions, heures, mécénat",
        auth=PARTNER_READERS,
        errors=[errors.ORGANIZATION_NOT_FOUND],
    )
    async def get_partner_report(call: Call[None, ReportQuery]) -> PartnerReport:
        """A partner's year: interventions and hours by employee, agreed versus done, estimate."""
        return await _partner_report(call)

    @router.get(
        "/organizations/{id}/attestation.pdf",
        summary="Attestation annuelle (PDF) des interventions d'un partenaire",
        status=200,
        auth=PARTNER_READERS,
        errors=[errors.ORGANIZATION_NOT_FOUND],
    )
    async def get_attestation(call: Call[None, ReportQuery]) -> web.Response:
        """The year's attestation as a PDF."""
        agenda = _agenda(call)
        report = await _partner_report(call)
        body = attestation.attestation_pdf(report, issued_on=agenda.now().astimezone(PARIS).date())
        name = f"attestation-prochorientation-{report.year}.pdf"
        return web.Response(
            body=body,
            content_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "private, no-store",
            },
        )
