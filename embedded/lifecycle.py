"""Servers of the embedded platform, started and stopped around an ``async with`` block."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class StartStop:
    """``async with server:`` starts it, and stops it however the block ends.

    Subclasses define ``start`` and ``stop``.
    """

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
