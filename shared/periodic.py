"""Background rules that run every so often (record expiry, retention, purges)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

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
        except Exception:
            log.exception("%s failed; trying again at the next pass", what)
        await asyncio.sleep(seconds)
