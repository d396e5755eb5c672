"""Transient database errors: how to recognise them, and a bounded retry.

MongoDB marks an error worth retrying with a label (``TransientTransactionError``,
``UnknownTransactionCommitResult``) or raises ``AutoReconnect`` (and its subclasses)
when the connection or the primary went away. The driver's ``with_transaction`` only
looks at the label of the exception it catches, but some exceptions wrap the one that
carries it: a client ``bulk_write`` raises ``ClientBulkWriteException`` with the
labelled ``WriteConflict`` in its ``error``, and nothing on the wrapper itself.
:func:`is_transient` looks through those wrappers; :func:`retry_transient` runs a
piece of work again a bounded number of times, with growing delays, while it fails
that way.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, TypeVar

from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    ClientBulkWriteException,
    OperationFailure,
    PyMongoError,
)

log = logging.getLogger("shared.transient")
T = TypeVar("T")

COMMIT_RESULT_UNKNOWN = "UnknownTransactionCommitResult"
TRANSIENT_LABELS = ("TransientTransactionError", COMMIT_RESULT_UNKNOWN)
# Server error codes that mean "try again": a write conflict, and the codes of a
# primary stepping down, shutting down or unreachable (the retryable-writes list).
TRANSIENT_CODES = frozenset(
    {
        6,  # HostUnreachable
        7,  # HostNotFound
        89,  # NetworkTimeout
        91,  # ShutdownInProgress
        112,  # WriteConflict
        189,  # PrimarySteppedDown
        262,  # ExceededTimeLimit
        9001,  # SocketException
        10107,  # NotWritablePrimary
        11600,  # InterruptedAtShutdown
        11602,  # InterruptedDueToReplStateChange
        13435,  # NotPrimaryNoSecondaryOk
        13436,  # NotPrimaryOrSecondary
    }
)

# Attempts of :func:`retry_transient` by default, and its delays (seconds): 0.05,
# 0.1, 0.2, 0.4 between five attempts, each with some jitter so that writers that
# conflicted do not meet again at the same instant.
ATTEMPTS = 5
FIRST_DELAY = 0.05
MAX_DELAY = 1.0
# How deep to follow wrapped errors (``__cause__``, a bulk write's ``error``).
_MAX_DEPTH = 4


def _transient_reply(reply: object, depth: int) -> bool:
    """A server's error document (a write error, a write concern error), or an error."""
    if isinstance(reply, BaseException):
        return is_transient(reply, depth + 1)
    if not isinstance(reply, Mapping):
        return False
    labels = reply.get("errorLabels") or ()
    if any(label in TRANSIENT_LABELS for label in labels):
        return True
    return reply.get("code") in TRANSIENT_CODES


def _any_transient_reply(replies: Iterable[Any] | None, depth: int) -> bool:
    return any(_transient_reply(reply, depth) for reply in replies or ())


def is_transient(error: BaseException, _depth: int = 0) -> bool:
    """Whether ``error`` is a database error that may succeed if tried again."""
    if _depth > _MAX_DEPTH:
        return False
    if isinstance(error, AutoReconnect):
        return True
    if isinstance(error, PyMongoError) and any(
        error.has_error_label(label) for label in TRANSIENT_LABELS
    ):
        return True
    if isinstance(error, ClientBulkWriteException):
        if error.error is not None and is_transient(error.error, _depth + 1):
            return True
        if _any_transient_reply(error.write_errors, _depth):
            return True
        if _any_transient_reply(error.write_concern_errors, _depth):
            return True
    elif isinstance(error, BulkWriteError):
        details = error.details or {}
        if _any_transient_reply(details.get("writeErrors"), _depth):
            return True
        if _any_transient_reply(details.get("writeConcernErrors"), _depth):
            return True
    elif isinstance(error, OperationFailure) and error.code in TRANSIENT_CODES:
        return True
    cause = error.__cause__
    return cause is not None and is_transient(cause, _depth + 1)


def backoff(attempt: int, *, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> float:
    """The delay after failed attempt number ``attempt`` (1, 2…), with jitter."""
    delay: float = min(cap, first * 2.0 ** (attempt - 1))
    return delay * (0.5 + random.random() / 2)


async def retry_transient(
    work: Callable[[], Awaitable[T]],
    *,
    what: str,
    attempts: int = ATTEMPTS,
    first_delay: float = FIRST_DELAY,
    max_delay: float = MAX_DELAY,
    retry_if: Callable[[BaseException], bool] = is_transient,
) -> T:
    """Run ``work`` until it succeeds, retrying transient database errors.

    At most ``attempts`` runs; after the last one the error is raised as it is (the
    HTTP layer answers a transient one with 503). ``what`` names the work in the
    warning logged before each new attempt; ``retry_if`` narrows which errors are
    worth another run (transient ones by default).
    """
    attempt = 1
    while True:
        try:
            return await work()
        except Exception as error:
            if attempt >= attempts or not retry_if(error):
                raise
            delay = backoff(attempt, first=first_delay, cap=max_delay)
            log.warning(
                "transient database error in %s, attempt %d of %d, retrying: %s",
                what,
                attempt,
                attempts,
                type(error).__name__,
                extra={"what": what, "attempt": attempt, "retry_in_seconds": round(delay, 3)},
            )
        await asyncio.sleep(delay)
        attempt += 1
