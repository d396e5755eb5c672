"""A service's background work stops with it, however it stops.

A worker left running after its platform closed works against a closed database
client; restarted every second by its supervisor, it fills the log for as long as the
process lives. These services are made for the test, on the real store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import pytest
from aiohttp import web

from shared.http import Router
from shared.periodic import every
from shared.runtime import Platform, ServiceContext, service_app
from shared.settings import Settings
from tests.fixtures.platform import running

MakeSettings = Callable[..., Settings]


class Started:
    """The tasks of the workers that started, to look at once the platform is gone."""

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[object]] = []

    async def forever(self, context: ServiceContext) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.append(task)
        await asyncio.Event().wait()

    async def surfacing_as_another_error(self, context: ServiceContext) -> None:
        """A worker whose cancellation comes out as a driver's own error."""
        task = asyncio.current_task()
        assert task is not None
        self.tasks.append(task)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            raise ConnectionResetError("interrupted") from None


def _service(name: str, **parts: object) -> Callable[[Platform], web.Application]:
    def factory(platform: Platform) -> web.Application:
        router = Router(name, name, "1")
        return service_app(platform, name=name, router=router, **parts)  # type: ignore[arg-type]

    return factory


async def _refuse_to_start(context: ServiceContext, app: web.Application) -> None:
    raise RuntimeError("this service cannot start")


async def test_a_start_up_failing_half_way_stops_what_had_started(
    make_settings: MakeSettings,
) -> None:
    started = Started()
    services = {
        "first": _service("first", workers=[started.forever]),
        "second": _service("second", on_start=[_refuse_to_start]),
    }
    with pytest.raises(RuntimeError, match="cannot start"):
        async with running(make_settings(), services):
            pass
    assert started.tasks, "the first service started its worker"
    assert all(task.done() for task in started.tasks)


async def test_a_worker_whose_stop_surfaces_as_another_error_is_not_restarted(
    make_settings: MakeSettings, caplog: pytest.LogCaptureFixture
) -> None:
    started = Started()
    services = {"only": _service("only", workers=[started.surfacing_as_another_error])}
    async with running(make_settings(), services):
        await asyncio.sleep(0.2)
    [task] = started.tasks
    assert task.done()
    await asyncio.sleep(1.5)  # a restart would come after 1 s
    assert len(started.tasks) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_periodic_loop_stops_when_a_pass_swallowed_the_cancellation() -> None:
    passes = 0

    async def swallowing_pass() -> None:
        # As Python 3.11's asyncio.wait_for does inside the database driver when the
        # operation completes as the task is cancelled: the result wins.
        nonlocal passes
        passes += 1
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(10)

    task = asyncio.create_task(every(3_600, swallowing_pass, what="a test loop"))
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=2)
    assert task.cancelled()
    assert passes == 1
