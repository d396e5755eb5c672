"""People of the browser tests calling the public HTTP API, to make real data first.

Requests, conversations, calls and organisations are created as a client would: with
the person's own token from ``POST /api/accounts/sessions``.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from shared.french import PARIS
from tests.web.people import DEMO, PASSWORD, link_from_mail
from tests.web.site import RunningSite

# The demo ambassador « Élise V. », electrician, verified, in the Nord.
ELISE = "demo-ambassador-electricienne"


def in_days(days: int, hour: int = 10) -> datetime:
    """A start ``days`` from now at ``hour``:00, Paris time."""
    day = datetime.now(PARIS) + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


class ApiPerson:
    """One signed-in person of the API."""

    def __init__(self, site: RunningSite, http: aiohttp.ClientSession, token: str) -> None:
        self.site, self.http, self.token = site, http, token

    async def call(
        self, method: str, path: str, json: Any = None, *, status: int = 200, data: Any = None
    ) -> Any:
        """``/api{path}`` with this person's token; the answer must have ``status``."""
        async with self.http.request(
            method,
            self.site.url(f"/api{path}"),
            json=json,
            data=data,
            headers={"Authorization": f"Bearer {self.token}"},
        ) as answer:
            assert answer.status == status, f"{method} {path}: {await answer.text()}"
            return await answer.json() if answer.content_type == "application/json" else None

    async def solicit(self, starts_at: datetime, **overrides: Any) -> str:
        """A class presentation asked of Élise; the request's id."""
        body = {
            "ambassador_id": ELISE,
            "kind": "class_presentation",
            "format": "in_person",
            "starts_at": starts_at.isoformat(),
            "duration_minutes": 45,
            "audience": {"level": "3e", "group_size": 28},
            "topic": "Les métiers de l'électricité",
            "expectations": "Une journée type sur un chantier.",
            "equipment": "Vidéoprojecteur",
            "team_member_present": True,
            "message": "Bonjour, nos élèves de 3e seraient ravis de vous rencontrer.",
            **overrides,
        }
        created = await self.call("POST", "/agenda/solicitations", body, status=201)
        return str(created["id"])

    async def until(self, path: str, check: Any = None) -> Any:
        """Wait until ``/api{path}`` answers 200 (and ``check`` holds): events travel."""
        async with asyncio.timeout(15):
            while True:
                async with self.http.get(
                    self.site.url(f"/api{path}"), headers={"Authorization": f"Bearer {self.token}"}
                ) as answer:
                    if answer.status == 200:
                        body = await answer.json()
                        if check is None or check(body):
                            return body
                await asyncio.sleep(0.1)

    async def conversation_of(self, appointment_id: str) -> str:
        """The conversation opened with a request (it arrives as an event: wait for it)."""
        async with asyncio.timeout(15):
            while True:
                found = await self.call("GET", "/messaging/conversations")
                for item in found["items"]:
                    if item["appointment_id"] == appointment_id:
                        return str(item["id"])
                await asyncio.sleep(0.1)


class Api:
    """Signs people in through the API."""

    def __init__(self, site: RunningSite, http: aiohttp.ClientSession) -> None:
        self.site, self.http = site, http

    async def person(self, email: str, password: str = PASSWORD) -> ApiPerson:
        """The person with this email, signed in."""
        async with self.http.post(
            self.site.url("/api/accounts/sessions"), json={"email": email, "password": password}
        ) as answer:
            assert answer.status == 200, await answer.text()
            body = await answer.json()
        return ApiPerson(self.site, self.http, str(body["access_token"]))

    async def demo(self, role: str) -> ApiPerson:
        """The demo account of ``role``."""
        email, password = DEMO[role]
        return await self.person(email, password)

    async def activate(self, email: str) -> None:
        """Follow the confirmation link mailed to ``email`` and set :data:`PASSWORD`."""
        link = await link_from_mail(self.site, email, "/activer")
        token = parse_qs(urlsplit(link).query)["token"][0]
        async with self.http.post(
            self.site.url("/api/accounts/confirmations"),
            json={"token": token, "password": PASSWORD},
        ) as answer:
            assert answer.status == 200, await answer.text()

    async def partner_contact(self, email: str, sponsorship: dict[str, Any] | None = None) -> str:
        """An organisation (with ``sponsorship``, its convention, if given) and the
        account of its contact ``email``, activated: the organisation's id."""
        admin = await self.demo("admin")
        body: dict[str, Any] = {"name": "Électricité Fictive du Nord", "kind": "company"}
        if sponsorship:
            body["sponsorship"] = sponsorship
        organisation = await admin.call("POST", "/accounts/organizations", body, status=201)
        await admin.call(
            "POST",
            f"/accounts/organizations/{organisation['id']}/contacts",
            {"first_name": "Inès", "last_name": "Partenaire", "email": email},
            status=201,
        )
        await self.activate(email)
        partner = await self.person(email)
        await partner.until(f"/agenda/organizations/{organisation['id']}/report")
        return str(organisation["id"])
