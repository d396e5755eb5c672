"""Quiet the broker client's own lines about a connection that is being restored.

When the broker closes a connection, or the network drops it, aio-pika reconnects by
itself and restores every channel, queue and consumer. On the way, aio-pika and
aiormq log the loss several times: an ERROR for the remote close, a WARNING with a
traceback for the reader task, and one ERROR per channel whose close callback found
no transport (``RobustChannel._on_close``): hundreds of ERROR lines for a service with
many subscriptions, none of which needs a person. The bus itself logs one WARNING per
connection lost, with its cause (``shared.bus.rabbit``).

:class:`BrokerReconnectionFilter`, installed on the aio-pika and aiormq loggers by
:func:`shared.logging.configure_logging`, turns those lines into DEBUG ones (and
the broker-down retries into INFO ones). Every other line of these libraries keeps
its level: an ERROR there is still an ERROR.
"""

from __future__ import annotations

import logging

# The loggers aio-pika and aiormq write through (``aio_pika.log.get_logger``). A
# logger's filters do not apply to its children's records: each one gets the filter.
BROKER_LOGGERS = (
    "aio_pika",
    "aio_pika.channel",
    "aio_pika.connection",
    "aio_pika.queue",
    "aio_pika.robust_channel",
    "aio_pika.robust_connection",
    "aio_pika.robust_exchange",
    "aio_pika.robust_queue",
    "aio_pika.tools",
    "aiormq",
    "aiormq.base",
    "aiormq.channel",
    "aiormq.connection",
)

# Exceptions a channel's or connection's close callback meets when the connection is
# already gone: part of the loss, not a fault of their own.
_LOSS_ERRORS = frozenset(
    {
        "AMQPConnectionError",
        "CancelledError",
        "ChannelClosed",
        "ChannelInvalidStateError",
        "ConnectionClosed",
        "ConnectionError",
        "ConnectionResetError",
        "BrokenPipeError",
    }
)

# Message templates (``record.msg``) that only describe a connection being lost or
# restored, at the level they deserve.
_TO_DEBUG = (
    "Unexpected connection close from remote",  # aiormq: the broker closed it
    "Cancelling cause reader exited abnormally",  # aiormq: the socket went away
    "Connection to %s closed. Reconnecting after",  # aio-pika: about to reconnect
)
_TO_INFO = (
    'Connection attempt to "%s" failed',  # aio-pika: broker still unreachable
    "error when creating transport",  # aiormq: the same attempt, seen from below
)


def _loss_callback_error(record: logging.LogRecord) -> bool:
    """aio-pika's "Callback %r error: %s: %s" for a close callback of a lost link:
    a channel's or connection's ``_on_close``, or any callback that met the loss."""
    if not str(record.msg).startswith("Callback %r error"):
        return False
    args = record.args if isinstance(record.args, tuple) else ()
    if len(args) >= 2 and str(args[1]) in _LOSS_ERRORS:
        return True
    try:
        callback = repr(args[0]) if args else ""
    except Exception:
        return False
    return "._on_close " in callback or callback.endswith("._on_close>")


def _set_level(record: logging.LogRecord, level: int) -> None:
    # Formatted now: the arguments (channels, callbacks) may not be printable later.
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    record.msg, record.args = message, None
    record.levelno, record.levelname = level, logging.getLevelName(level)
    if level < logging.WARNING:
        # The traceback belongs to the reconnection, not to something to look at.
        record.exc_info, record.exc_text = None, None


class BrokerReconnectionFilter(logging.Filter):
    """Lowers the broker client's reconnection lines; drops those below the logger's
    level once lowered."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep ``record`` (maybe at a lower level) unless it fell below its logger's."""
        if record.levelno < logging.INFO:
            return True
        template = str(record.msg)
        if template.startswith(_TO_DEBUG) or _loss_callback_error(record):
            level = logging.DEBUG
        elif template.startswith(_TO_INFO) and record.levelno > logging.INFO:
            level = logging.INFO
        else:
            return True
        _set_level(record, level)
        return logging.getLogger(record.name).isEnabledFor(level)


def install_broker_filter() -> BrokerReconnectionFilter:
    """Put one :class:`BrokerReconnectionFilter` on every broker logger (idempotent)."""
    names = set(BROKER_LOGGERS)
    names.update(
        name
        for name in list(logging.root.manager.loggerDict)
        if name.split(".", 1)[0] in {"aio_pika", "aiormq"}
    )
    installed = BrokerReconnectionFilter()
    for name in sorted(names):
        logger = logging.getLogger(name)
        for existing in list(logger.filters):
            if isinstance(existing, BrokerReconnectionFilter):
                logger.removeFilter(existing)
        logger.addFilter(installed)
    return installed
