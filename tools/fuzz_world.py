"""What the fuzzer stands on: the records the demo people make in their first week.

Ids a fuzzer invents are unknown: a request about one record ends in « not found »,
and the code behind it is never reached. Schemathesis' stateful phase takes real ids
from the listings' answers (``GET /appointments`` → ``/appointments/{id}/accept``), so
the listings must have something to show: solicitations and their conversations, one
of them accepted, an open call, an organisation.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bench.web_pages import at_ten, solicit


class Http:
    """The platform's API as one person (signed out without a token)."""

    def __init__(self, http: aiohttp.ClientSession, base: str, token: str | None) -> None:
        self._http, self._base = http, base
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """Status and JSON body (None when the answer is not JSON)."""
        async with self._http.request(
            method, f"{self._base}/api{path}", json=body, headers=self._headers
        ) as answer:
            is_json = answer.content_type == "application/json"
            return answer.status, await answer.json() if is_json else None


def _open_call(in_days: int) -> dict[str, Any]:
    return {
        "title": "Forum des métiers",
        "event_type": "forum",
        "format": "in_person",
        "starts_at": at_ten(in_days),
        "duration_minutes": 180,
        "audience": {"level": "3e", "group_size": 120},
        "description": "Un stand par métier.",
        "places": 3,
        "wanted_sectors": [],
    }


async def _done(person: Http, method: str, path: str, body: Any, what: str) -> Any:
    """``person``'s request, which must succeed (the seed is wrong otherwise); its body."""
    status, answer = await person.call(method, path, body)
    if status not in (200, 201):
        raise RuntimeError(f"could not {what}: {status} {answer}")
    return answer


async def seed(base: str, people: dict[str, Http]) -> None:
    """The demo people's first week: a record of each kind the listings show."""
    staff, ambassador, admin = people["staff"], people["ambassador"], people["admin"]
    me = await _done(ambassador, "GET", "/accounts/me", None, "read the ambassador")
    # The demo teacher's requests, as the benchmarks make them; each opens a
    # conversation. One is accepted, the other three stay pending.
    solicited = await solicit(base, me["id"], 4)
    accept = f"/agenda/appointments/{solicited[0]}/accept"
    await _done(ambassador, "POST", accept, {}, "accept a solicitation")
    await _done(staff, "POST", "/agenda/calls", _open_call(in_days=20), "publish a call")
    organisation = {"name": "Entreprise des Flandres", "kind": "company"}
    await _done(admin, "POST", "/accounts/organizations", organisation, "add an organisation")
