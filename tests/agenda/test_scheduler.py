"""A solicitation never stays unanswered: reminder, escalation, expiry, completion.

The timeline runs in real time with delays shortened through the settings; the
other tests move agenda's clock. Nothing sleeps: tests wait on what users notice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from services.agenda.app import create_app
from services.agenda.context import Agenda
from services.agenda.scheduler import Scheduler
from services.agenda.store import AgendaStore
from shared.contracts.accounts import Territory
from shared.contracts.agenda import (
    AppointmentCompleted,
    AppointmentExpired,
    SolicitationEscalated,
    SolicitationReminded,
)
from shared.runtime import SERVICE_CONTEXT, Platform
from tests.agenda.conftest import World, WorldFactory, fast_agenda, in_days
from tests.fixtures.rabbit import wait_until


def _about(events: list[Any], appointment_id: str) -> list[Any]:
    return [e for e in events if e.appointment.appointment_id == appointment_id]


async def test_unanswered_solicitation_is_reminded_then_escalated_then_expires(
    open_world: WorldFactory,
) -> None:
    async with open_world(reminder_after_seconds=1, escalate_after_seconds=2) as world:
        await world.ambassador("zoe")
        await world.staff("paul")
        rita = await world.referent("rita", ["59"])
        await world.referent("remi", ["80"])
        # Who matches for a suggestion: same kind, zone and sector, solicitable, free.
        for name in ("ali", "hal", "ivy", "jo"):
            await world.ambassador(name)
        await world.ambassador("bob", sector="sante")
        await world.ambassador("cat", zone=Territory(departments=["62"]))
        await world.ambassador(
            "dan", pause_from=world.clock() - timedelta(days=1), pause_to=in_days(30)
        )
        await world.ambassador("fay", interventions=["event"])
        await world.ambassador("gus", solicitable=False, not_solicitable_reason="suspended")
        starts = world.clock() + timedelta(seconds=4)
        # « ali » is already asked for that very time.
        await world.solicit("paul", "ali", starts, kind="event", duration_minutes=60)

        appointment_id = await world.solicit("paul", "zoe", starts)

        reminded = await world.recorded.wait_for(SolicitationReminded, within=10)
        escalated: SolicitationEscalated = await world.recorded.wait_for(
            SolicitationEscalated, within=10
        )
        expired = await world.recorded.wait_for(AppointmentExpired, count=2, within=15)
        await world.settled()

        assert len(_about(world.recorded.of(SolicitationReminded), appointment_id)) == 1
        assert len(_about(world.recorded.of(SolicitationEscalated), appointment_id)) == 1
        assert len(_about(world.recorded.of(AppointmentExpired), appointment_id)) == 1
        assert reminded.appointment.ambassador_id in (
            world.people["zoe"].id,
            world.people["ali"].id,
        )
        [escalated] = _about(world.recorded.of(SolicitationEscalated), appointment_id)
        assert escalated.referent_ids == [rita.id]
        suggested = {s.ambassador_id for s in escalated.suggestions}
        assert len(suggested) == 3
        assert suggested <= {world.people[name].id for name in ("hal", "ivy", "jo")}
        assert all(s.name.endswith("M.") and s.sector == "numerique" for s in escalated.suggestions)
        assert expired is not None
        assert (await world.stored(appointment_id))["status"] == "expired"
        zoe_feed = [
            i["kind"] for i in (await world.call("GET", "/notifications", "zoe")).body["items"]
        ]
        rita_feed = [
            i["kind"] for i in (await world.call("GET", "/notifications", "rita")).body["items"]
        ]
        paul_feed = [
            i["kind"] for i in (await world.call("GET", "/notifications", "paul")).body["items"]
        ]
        assert zoe_feed == ["solicitation_reminder", "solicitation_received"]
        assert rita_feed.count("solicitation_escalated") == 2  # zoe's and ali's
        assert paul_feed == ["appointment_expired", "appointment_expired"]


async def test_answered_solicitation_is_neither_reminded_nor_escalated(
    open_world: WorldFactory,
) -> None:
    async with open_world(reminder_after_seconds=1, escalate_after_seconds=2) as world:
        await world.ambassador("zoe")
        await world.staff("paul")
        await world.referent("rita", ["59"])
        appointment_id = await world.solicit("paul", "zoe", in_days(3))
        assert (
            await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")
        ).status == 200

        # Past both delays (moved clock), only the completion is still to come.
        world.clock.advance(timedelta(seconds=5))
        await Scheduler(world.agenda).run_once()
        await world.settled()

        assert world.recorded.of(SolicitationReminded) == []
        assert world.recorded.of(SolicitationEscalated) == []
        stored = await world.stored(appointment_id)
        assert stored["due_at"] == stored["ends_at"]


async def test_scheduler_resumes_after_a_restart(open_world: WorldFactory) -> None:
    async with open_world() as world:
        await world.ambassador("zoe")
        await world.staff("paul")
        starts = in_days(2)
        appointment_id = await world.solicit("paul", "zoe", starts)
        accepted = await world.call("POST", f"/appointments/{appointment_id}/accept", "zoe")
        assert accepted.status == 200
    # The platform stopped before the end. It starts again after the end.
    async with open_world() as restarted:
        restarted.clock.move_to(starts + timedelta(hours=2))
        restarted.agenda.schedule_changed.set()

        completed: AppointmentCompleted = await restarted.recorded.wait_for(AppointmentCompleted)

        assert completed.appointment.appointment_id == appointment_id
        assert (await restarted.stored(appointment_id))["status"] == "completed"


async def test_a_step_claimed_by_a_replica_that_died_is_taken_once_its_lease_ends(
    open_world: WorldFactory,
) -> None:
    # This process's scheduler sleeps until told, so the replica below claims first.
    options = fast_agenda(scheduler_lease_seconds=1, scheduler_poll_seconds=3600)
    async with open_world(options=options) as world:
        await world.ambassador("zoe")
        await world.staff("paul")
        starts = in_days(2)
        appointment_id = await world.solicit("paul", "zoe", starts)
        agenda = world.agenda
        await wait_until(
            lambda: agenda.scheduler_wakes_at is not None and not agenda.schedule_changed.is_set(),
            what="the scheduler to sleep",
        )
        world.clock.move_to(starts + timedelta(minutes=1))
        # A replica claims the expiry and dies before doing it (its lease: 1 s).
        dead = await agenda.store.claim_due(world.clock(), timedelta(seconds=1), "dead")
        assert dead is not None
        assert dead.id == appointment_id
        agenda.schedule_changed.set()

        expired: AppointmentExpired = await world.recorded.wait_for(AppointmentExpired)
        await world.settled()

        assert expired.appointment.appointment_id == appointment_id
        assert len(world.recorded.of(AppointmentExpired)) == 1


@contextlib.asynccontextmanager
async def replicas(world: World, count: int) -> AsyncIterator[list[Agenda]]:
    """``count`` other agenda processes on the same database, each its own client and bus."""
    async with contextlib.AsyncExitStack() as stack:
        opened = []
        # They never run their own relay: what they write is left for the world's
        # sweep, once their short lease is over.
        settings = world.settings.model_copy(update={"outbox_lease_seconds": 0.5})
        for n in range(count):
            platform = await stack.enter_async_context(
                Platform.open(settings, process=f"replica-{n}")
            )
            ctx = create_app(platform, fast_agenda(), clock=world.clock)[SERVICE_CONTEXT]
            opened.append(
                Agenda(ctx=ctx, store=AgendaStore(ctx.db), options=fast_agenda(), clock=world.clock)
            )
        yield opened


async def test_several_replicas_take_each_step_once(open_world: WorldFactory) -> None:
    async with open_world() as world:
        await world.ambassador("zoe")
        await world.staff("paul")
        starts = in_days(2, hour=8)
        ids = [
            await world.solicit("paul", "zoe", starts + timedelta(minutes=50 * n))
            for n in range(12)
        ]
        world.clock.move_to(starts + timedelta(days=1))
        async with replicas(world, 3) as others:
            schedulers = [Scheduler(agenda) for agenda in [world.agenda, *others]]
            # The platform's own scheduler competes too.
            world.agenda.schedule_changed.set()
            await asyncio.gather(*(s.run_once() for s in schedulers))

        async def all_expired() -> bool:
            count = await world.db["appointments"].count_documents({"status": "expired"})
            return count == len(ids)

        await wait_until(all_expired, what="every solicitation to expire")
        await world.settled()
        expired_ids = [e.appointment.appointment_id for e in world.recorded.of(AppointmentExpired)]
        assert sorted(expired_ids) == sorted(ids)
        feed = await world.call("GET", "/notifications", "paul", params={"limit": "100"})
        assert [line["kind"] for line in feed.body["items"]].count("appointment_expired") == len(
            ids
        )
