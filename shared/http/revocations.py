"""Access tokens withdrawn before they expire.

An access token is checked locally, without asking accounts, for its whole lifetime
(15 minutes). When what it says stops being true (the account deleted, the password
changed, a referent moved to another territory, a sign-out), accounts publishes when
the tokens issued before stopped standing; every service keeps those instants here
and refuses older tokens. An entry is needed only as long as a token issued before it
could still be valid, then it is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Revocations:
    """Per user and per session: tokens issued before this instant are refused."""

    def __init__(self, keep_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        # Long enough for every token issued before an entry to have expired.
        self.keep_seconds = keep_seconds
        self._clock = clock
        self._users: dict[str, float] = {}
        self._sessions: dict[str, float] = {}

    def note(self, user_id: str, not_before: float, session_id: str | None = None) -> None:
        """Tokens of ``user_id`` (of ``session_id`` only, when given) issued before
        ``not_before`` (a POSIX time) are refused from now on."""
        entries, key = (self._sessions, session_id) if session_id else (self._users, user_id)
        entries[key] = max(entries.get(key, 0.0), not_before)
        self._forget_old()

    def refuses(self, user_id: str, session_id: str, issued_at: float) -> bool:
        """Whether a token of this user and session, issued at ``issued_at``, is withdrawn."""
        if not self._users and not self._sessions:
            return False
        return issued_at < max(self._users.get(user_id, 0.0), self._sessions.get(session_id, 0.0))

    def __len__(self) -> int:
        return len(self._users) + len(self._sessions)

    def _forget_old(self) -> None:
        horizon = self._clock() - self.keep_seconds
        for entries in (self._users, self._sessions):
            for key in [key for key, instant in entries.items() if instant < horizon]:
                del entries[key]
