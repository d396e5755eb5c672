"""Background rules that run every so often (record expiry, retention, purges)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pymongo.errors import InvalidOperation

log = logging.getLogger("shared.periodic")


async def every(seconds: float, step: Callable[[], Awaitable[object]], *, what: str) -> None:
    """Run ``step`` now, then every ``seconds``, until cancelled.

    A pass that fails (the database away for a moment…) is logged and tried again at
    the next one: a background rule never stops for good.
    """
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except InvalidOperation:
            # The database client is closed: the process is stopping, and so is this.
            log.info("%s stops: the database client is closed", what)
            return
        except Exception:
            if stopping():
                raise asyncio.CancelledError from None
            log.exception("%s failed; trying again at the next pass", what)
        await asyncio.sleep(seconds)


def stopping() -> bool:
    """Whether the current task was asked to stop.

    A database driver interrupted by a cancellation may raise its own error instead of
    ``CancelledError``: a loop that logs errors and goes on must check this, or it
    never stops.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
