"""The people of the browser tests and what they do outside the page: the demo accounts
of every role, accounts made through the public API, their mailbox, the clock moving on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from playwright.async_api import Page, expect

from services.accounts.demo import DEMO_ACCOUNTS
from tests.accounts.conftest import ambassador, staff
from tests.web.site import RunningSite

# role → (email, password) of a demo account (the first one of the role).
DEMO: dict[str, tuple[str, str]] = {}
for _role, _email, _password in DEMO_ACCOUNTS:
    DEMO.setdefault(_role, (_email, _password))

PASSWORD = "Trois terrils et un beffroi"


# --- in the page -------------------------------------------------------------------------


async def sign_in(page: Page, email: str, password: str, *, remember: bool = False) -> None:
    """Fill the sign-in form as a person would, from wherever the page is."""
    if "/connexion" not in page.url:
        await page.goto("/connexion")
    await page.get_by_label("Adresse e-mail").fill(email)
    await page.get_by_label("Mot de passe", exact=True).fill(password)
    if remember:
        await page.get_by_label("Rester connecté sur cet appareil").check()
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_text("Connecté :")).to_be_visible()


async def sign_in_as(page: Page, role: str) -> None:
    """Sign in with the demo account of ``role``."""
    email, password = DEMO[role]
    await sign_in(page, email, password)


# --- through the public API -------------------------------------------------------------


async def api(site: RunningSite, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    """Call ``/api{path}`` over HTTP: (status, JSON body or None)."""
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, site.url(f"/api{path}"), **kwargs) as response,
    ):
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


async def signed_up(site: RunningSite, email: str, *, as_staff: bool = False) -> None:
    """Someone joined through the API; the confirmation email is on its way."""
    path, body = (
        ("/staff", staff(email=email)) if as_staff else ("/ambassadors", ambassador(email=email))
    )
    status, answer = await api(site, "POST", f"/accounts{path}", json=body)
    assert status == 201, answer


async def new_ambassador(site: RunningSite, email: str) -> str:
    """An ambassador who joined and chose :data:`PASSWORD` (through the API); returns it."""
    await signed_up(site, email)
    link = await link_from_mail(site, email, "/activer")
    token = link.split("token=", 1)[1]
    status, body = await api(
        site, "POST", "/accounts/confirmations", json={"token": token, "password": PASSWORD}
    )
    assert status == 200, body
    return PASSWORD


async def can_sign_in(site: RunningSite, email: str, password: str) -> bool:
    """Whether accounts opens a session with these credentials."""
    status, _ = await api(
        site, "POST", "/accounts/sessions", json={"email": email, "password": password}
    )
    return status == 200


# --- the mailbox and the clock ----------------------------------------------------------------


async def link_from_mail(site: RunningSite, to: str, path: str, *, nth: int = 1) -> str:
    """The link to ``path`` in the ``nth`` email to ``to`` that carries one (oldest first)."""
    async with asyncio.timeout(15):
        while True:
            found = []
            for caught in reversed(site.mail.messages(to=to)):
                links = [
                    link
                    for link in (await site.mail.read(caught)).links
                    if urlsplit(link).path == path
                ]
                if links:
                    found.append(links[0])
            if len(found) >= nth:
                return found[nth - 1]
            await asyncio.sleep(0.1)


def mails_with(site: RunningSite, to: str, subject: str) -> int:
    """How many emails to ``to`` have this subject."""
    return sum(1 for mail in site.mail.messages(to=to) if mail.subject == subject)


async def expire_links(site: RunningSite, purpose: str) -> None:
    """Time passes: every link of ``purpose`` is now past its expiry."""
    links = site.platform.mongo[site.settings.database_name("accounts")]["link_tokens"]
    past = datetime.now(UTC) - timedelta(minutes=1)
    await links.update_many({"purpose": purpose}, {"$set": {"expires_at": past}})
