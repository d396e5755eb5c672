"""Schemathesis hooks of ``make fuzz`` (run by schemathesis, in its own environment).

Messaging's ``GET /conversations/{id}/messages?after=…&wait=…`` holds the answer up to
``wait`` seconds (at most 30) until a new message comes, as documented. Once the
stateful phase gives real conversation ids, schemathesis' 10-second read timeout takes
those waits for network errors. The fuzzer's waits are cut short here: the long wait
itself has tests of its own (``tests/messaging/test_new_messages.py``).
"""

from typing import Any

import schemathesis

FUZZ_WAIT_SECONDS = 0.5


def _seconds(value: Any) -> float | None:
    """``value`` as a number of seconds (phases send numbers, or their text), else None."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """A long wait asked for a conversation's new messages lasts half a second at most;
    a wait the API refuses (over 30 s, negative, not a number) is sent as it is."""
    wait = _seconds(case.query.get("wait")) if isinstance(case.query, dict) else None
    if wait is not None and FUZZ_WAIT_SECONDS < wait <= 30:
        case.query["wait"] = FUZZ_WAIT_SECONDS


schemathesis.hook(before_call)
