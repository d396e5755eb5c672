"""The background worker that makes sure no solicitation stays unanswered.

It reminds the ambassador, escalates to the zone's referents with other ambassadors
suggested, expires a solicitation whose start passed, and completes an accepted
appointment once over (see ``domain.schedule``). Each replica runs one; they share
the work through the database:

1. claim: ``find_one_and_update`` moves a due appointment's ``due_at`` a lease ahead
   and stamps it with a claim token; no other replica sees it due meanwhile;
2. step: one transaction re-reads it under that claim, applies the step, writes the
   next ``due_at`` with the event and the feed lines. Any other change to the
   appointment in between drops the claim, and the step then does nothing.

While the step runs, a heartbeat pushes the lease back (if the claim is still ours),
so a slow step is never taken twice; the lease can then be short. A replica that dies
after claiming leaves ``due_at`` at the end of the lease: the step comes due again
within seconds and another replica does it. State lives in the database, so a
restart resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from services.agenda.announce import announce, facts
from services.agenda.appointments import complete_in_session
from services.agenda.context import Agenda
from services.agenda.domain.model import LIVE, AmbassadorCopy, Appointment, Slot
from services.agenda.domain.rules import is_paused, month_of
from services.agenda.domain.schedule import Step, due_step, next_due
from services.agenda.domain.territory import Area, Place, covers, touches
from shared.contracts.agenda import (
    AppointmentExpired,
    SolicitationEscalated,
    SolicitationReminded,
    Suggestion,
)
from shared.heartbeat import Heartbeat, beat_seconds
from shared.periodic import raise_if_stopping

log = logging.getLogger("services.agenda.scheduler")

SUGGESTIONS = 3
# Candidates read per escalation before filtering out the paused, the booked and
# those over their monthly maximum.
CANDIDATES_READ = 50


class Scheduler:
    """Claims due appointments and takes their next step, until cancelled."""

    def __init__(self, agenda: Agenda) -> None:
        self._agenda = agenda

    async def run(self) -> None:
        """Work forever: take every due step, then sleep until the next one is due."""
        agenda = self._agenda
        poll = agenda.options.scheduler_poll_seconds
        while True:
            # Until the next wake is planned, any new due step wakes the scheduler.
            agenda.scheduler_wakes_at = None
            agenda.schedule_changed.clear()
            await self.run_once()
            upcoming = await agenda.store.next_due_at()
            now = agenda.now()
            wait = poll
            if upcoming is not None:
                wait = min(poll, max(0.0, (upcoming - now).total_seconds()))
            agenda.scheduler_wakes_at = now + timedelta(seconds=wait)
            raise_if_stopping()
            # Not asyncio.wait_for: on Python 3.11 it may swallow the cancellation that
            # stops the service when the event fires at the same moment.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await agenda.schedule_changed.wait()

    async def run_once(self) -> int:
        """Take every step due now; returns how many appointments were claimed."""
        agenda = self._agenda
        lease = timedelta(seconds=agenda.options.scheduler_lease_seconds)
        claimed = 0
        while True:
            claim = secrets.token_hex(8)
            appointment = await agenda.store.claim_due(agenda.now(), lease, claim)
            if appointment is None:
                return claimed
            claimed += 1
            renewal = self._renewal(appointment.id, claim, lease)
            try:
                async with Heartbeat(
                    renewal, every=beat_seconds(lease.total_seconds()), what="scheduled step"
                ).held():
                    await self.step(appointment.id, claim)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Left claimed: it comes due again once the lease ends.
                log.exception(
                    "scheduled step failed; retried after the lease",
                    extra={"appointment_id": appointment.id},
                )

    def _renewal(
        self, appointment_id: str, claim: str, lease: timedelta
    ) -> Callable[[], Awaitable[None]]:
        store = self._agenda.store
        return lambda: store.renew_claim(appointment_id, claim, self._agenda.now() + lease)

    async def step(self, appointment_id: str, claim: str) -> Step | None:
        """Take the due step of a claimed appointment, in one transaction."""
        agenda = self._agenda

        async def work(session: AsyncClientSession) -> Step | None:
            appointment = await agenda.store.claimed(appointment_id, claim, session)
            if appointment is None:
                return None  # changed since the claim: that change set its due time
            step = due_step(appointment, agenda.delays, agenda.now())
            if step == "remind":
                await self._remind(appointment, session)
            elif step == "escalate":
                await self._escalate(appointment, session)
            elif step == "expire":
                await self._expire(appointment, session)
            elif step == "complete":
                await complete_in_session(agenda, appointment, session)
            appointment.due_at = next_due(appointment, agenda.delays)
            await agenda.store.store_step(appointment, claim, session)
            return step

        step = await agenda.ctx.transaction(work)
        if step is not None:
            log.info(
                "scheduled step taken",
                extra={"appointment_id": appointment_id, "step": step},
            )
        return step

    async def _remind(self, appointment: Appointment, session: AsyncClientSession) -> None:
        now = self._agenda.now()
        appointment.reminded_at = now
        await announce(
            self._agenda,
            session,
            appointment,
            SolicitationReminded(appointment=facts(appointment)),
            [(appointment.ambassador_id, "solicitation_reminder")],
        )

    async def _escalate(self, appointment: Appointment, session: AsyncClientSession) -> None:
        agenda = self._agenda
        appointment.escalated_at = agenda.now()
        place = Place(appointment.establishment.department, appointment.establishment.bassin)
        referents = await self._referents(place)
        suggestions = await self._suggestions(appointment, place)
        if not referents:
            log.warning(
                "no referent covers an escalated solicitation",
                extra={"appointment_id": appointment.id, "department": place.department},
            )
        # Kept with the solicitation: the referents' work queue shows them.
        appointment.suggestions = list(suggestions)
        event = SolicitationEscalated(
            appointment=facts(appointment), referent_ids=referents, suggestions=suggestions
        )
        await announce(
            agenda,
            session,
            appointment,
            event,
            [(referent, "solicitation_escalated") for referent in referents],
            suggestions=len(suggestions),
        )

    async def _expire(self, appointment: Appointment, session: AsyncClientSession) -> None:
        now = self._agenda.now()
        appointment.status = "expired"
        appointment.finished_at = now
        appointment.updated_at = now
        await announce(
            self._agenda,
            session,
            appointment,
            AppointmentExpired(appointment=facts(appointment)),
            [(appointment.requester_id, "appointment_expired")],
        )

    async def _referents(self, place: Place) -> list[str]:
        """The referents of the place; failing any, those of its department."""
        referents = await self._agenda.store.referents_touching(place)
        covering = [r.id for r in referents if covers(Area.of(r.departments, r.bassins), place)]
        if covering:
            return covering
        return [
            r.id for r in referents if touches(Area.of(r.departments, r.bassins), place.department)
        ]

    async def _suggestions(self, appointment: Appointment, place: Place) -> list[Suggestion]:
        """Up to three other ambassadors who match and are free at that time."""
        agenda = self._agenda
        store = agenda.store
        now = agenda.now()
        slot = appointment.slot
        candidates = await store.candidates(
            kind=appointment.kind,
            place=place,
            sector=appointment.wished_sector or appointment.ambassador.sector,
            exclude=[appointment.ambassador_id],
            limit=CANDIDATES_READ,
        )
        fitting = [
            c
            for c in candidates
            if covers(Area.of(c.zone_departments, c.zone_bassins), place)
            and not is_paused(c, slot, now)
        ]
        booked = await store.booked_among(
            [c.id for c in fitting], slot.starts_at, slot.ends_at, LIVE
        )
        chosen: list[AmbassadorCopy] = []
        for candidate in fitting:
            if candidate.id in booked:
                continue
            if await self._at_maximum(candidate, slot):
                continue
            chosen.append(candidate)
            if len(chosen) == SUGGESTIONS:
                break
        return [
            Suggestion(
                ambassador_id=c.id, name=c.display_name, job_title=c.job_title, sector=c.sector
            )
            for c in chosen
        ]

    async def _at_maximum(self, ambassador: AmbassadorCopy, slot: Slot) -> bool:
        maximum = ambassador.max_solicitations_per_month
        if maximum is None:
            return False
        first, following = month_of(slot.starts_at)
        held = await self._agenda.store.held_between(ambassador.id, first, following)
        return held >= maximum
