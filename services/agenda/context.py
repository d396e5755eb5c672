"""What every use case of agenda works with, built once per application."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiohttp import web

from services.agenda.domain.schedule import Delays
from services.agenda.monthly_figures import MonthlyFigures
from services.agenda.settings import AgendaSettings
from services.agenda.store import AgendaStore
from shared.runtime import ServiceContext
from shared.settings import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


@dataclass
class Agenda:
    """The agenda service's resources: its context, store, options and clock.

    The clock is the one source of "now" for the rules and the scheduler, so a test
    can move an appointment past its end without waiting for it.
    """

    ctx: ServiceContext
    store: AgendaStore
    options: AgendaSettings
    clock: Clock = field(default=utc_now)
    # Set when a change may bring the scheduler's next step forward.
    schedule_changed: asyncio.Event = field(default_factory=asyncio.Event)
    # When this process's scheduler plans to look again (None: as soon as told).
    scheduler_wakes_at: datetime | None = None
    # The statistics' monthly groups this process keeps (see ``monthly_figures``).
    figures: MonthlyFigures = field(default_factory=MonthlyFigures)

    @property
    def settings(self) -> Settings:
        """The platform settings."""
        return self.ctx.settings

    @property
    def delays(self) -> Delays:
        """The programme's reminder and escalation delays."""
        return Delays(
            remind_after=timedelta(seconds=self.settings.reminder_after_seconds),
            escalate_after=timedelta(seconds=self.settings.escalate_after_seconds),
        )

    def now(self) -> datetime:
        """The current instant (UTC), from the clock, to the millisecond MongoDB keeps."""
        moment = self.clock()
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def due(self, at: datetime | None) -> None:
        """Tell the scheduler that a step is due at ``at``, if that is before it looks again.

        Waking it for every change would cost two queries each time for nothing.
        """
        if at is None:
            return
        if self.scheduler_wakes_at is None or at < self.scheduler_wakes_at:
            self.schedule_changed.set()

    @staticmethod
    def new_id() -> str:
        """A new opaque identifier."""
        return uuid.uuid4().hex


AGENDA: web.AppKey[Agenda] = web.AppKey("agenda", Agenda)
