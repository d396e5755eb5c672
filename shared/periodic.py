"""Background rules that run every so often (record expiry, retention, purges)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pymongo.errors import InvalidOperation

from shared.transient import is_transient

log = logging.getLogger("shared.periodic")


async def every(seconds: float, step: Callable[[], Awaitable[object]], *, what: str) -> None:
    """Run ``step`` now, then every ``seconds``, until cancelled.

    A pass that fails is tried again at the next one: a background rule never stops
    for good. A transient database error is one warning; anything else an error.
    """
    while True:
        if not await run_pass(step, what=what):
            return
        raise_if_stopping()
        await asyncio.sleep(seconds)


async def run_pass(
    step: Callable[[], Awaitable[object]],
    *,
    what: str,
    next_try: str = "the next pass",
    logger: logging.Logger = log,
) -> bool:
    """Run one pass of a background loop that must outlive its failures; whether the
    loop goes on.

    Stops it (``False``) once the database client is closed, and turns a failure while
    the task is being cancelled into the cancellation. Any other failure is logged on
    ``logger`` as ``what`` failing, to be tried again at ``next_try``.
    """
    try:
        await step()
    except asyncio.CancelledError:
        raise
    except InvalidOperation:
        # The database client is closed: the process is stopping, and so is the loop.
        logger.info("%s stops: the database client is closed", what)
        return False
    except Exception as error:
        if stopping():
            raise asyncio.CancelledError from None
        if is_transient(error):
            # The database away for a moment (a dropped connection, an election):
            # the next pass will do; nothing for a person to do.
            logger.warning(
                "%s interrupted by the database, trying again at %s: %s",
                what,
                next_try,
                type(error).__name__,
            )
        else:
            logger.exception("%s failed; trying again at %s", what, next_try)
    return True


def stopping() -> bool:
    """Whether the current task was asked to stop.

    A database driver interrupted by a cancellation may raise its own error instead of
    ``CancelledError``: a loop that logs errors and goes on must check this, or it
    never stops.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def raise_if_stopping() -> None:
    """Raise the cancellation a call may have swallowed, before a loop waits again.

    Inside the database driver, Python 3.11's ``asyncio.wait_for`` returns the result of
    an operation that completes as the task is cancelled, and the cancellation is lost:
    the task is still marked as cancelling, but a loop that goes back to sleep would
    only notice at its next wake, seconds or minutes after its service stopped.
    """
    if stopping():
        raise asyncio.CancelledError
