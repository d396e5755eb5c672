"""What protects a person's session: the cookie, the form tokens, the headers, no token
in any page, the refresh of the access token behind the person's back."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from services.web.sessions import CookiePolicy
from shared.settings import Settings
from tests.fixtures.http import exchange
from tests.fixtures.windows import clear_of_window_turn
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import DEMO, sign_in, sign_in_as
from tests.web.site import RunningSite, site_running


def sessions_of(site: RunningSite) -> Any:
    """The site's own session rows."""
    return site.platform.mongo[f"{site.settings.database_prefix}web"]["sessions"]


async def signed_in_row(site: RunningSite) -> dict[str, Any]:
    row = await sessions_of(site).find_one({"user": {"$ne": None}})
    assert row is not None
    return dict(row)


async def test_a_form_without_its_token_or_with_a_wrong_one_changes_nothing(
    browser: Browser, page: Page, site: RunningSite
) -> None:
    await sign_in_as(page, "ambassador")
    for token in (None, "un-jeton-fabrique"):
        form: dict[str, str | float | bool] = {"surveys": "oui"}
        if token:
            form["csrf"] = token
        answer = await page.request.post("/mon-profil/consentements", form=form)
        assert answer.status == 403
        assert "Ce formulaire a expiré" in await answer.text()
    await page.goto("/mon-profil")
    # Both consents were given and stay given: the forged form would have withdrawn one.
    await expect(page.get_by_text("Accordé", exact=True)).to_be_visible()
    await expect(page.get_by_text("Accepté", exact=True)).to_be_visible()

    # Signing in is a form like the others: a page elsewhere cannot sign someone in.
    elsewhere = await new_context(browser, site)
    answer = await elsewhere.request.post(
        "/connexion", form={"email": DEMO["staff"][0], "password": DEMO["staff"][1]}
    )
    assert answer.status == 403
    assert await sessions_of(site).count_documents({"user.role": "staff"}) == 0
    await elsewhere.close()


# Bodies that are not the form their type announces, as a broken client or a robot sends.
MALFORMED_FORMS = {
    "no boundary": ("multipart/form-data", b"csrf=x"),
    "cut short": (
        "multipart/form-data; boundary=XYZ",
        b'--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\nlea@exa',
    ),
    "no starting boundary": ("multipart/form-data; boundary=XYZ", b"nothing of the kind"),
    "not UTF-8": ("application/x-www-form-urlencoded", b"email=l\xe9a%40example.org"),
    "unknown charset": ("application/x-www-form-urlencoded; charset=klingon", b"email=a"),
}


@pytest.mark.parametrize("path", ["/connexion", "/desabonnement?jeton=x"])
async def test_a_body_that_is_not_the_form_it_says_is_refused_in_french(
    site: RunningSite, path: str
) -> None:
    async with aiohttp.ClientSession() as http:
        for name, (content_type, body) in MALFORMED_FORMS.items():
            async with http.post(
                site.url(path), data=body, headers={"Content-Type": content_type}
            ) as answer:
                assert answer.status == 400, name
                assert "Cette demande ne peut pas être traitée" in await answer.text(), name


async def test_a_damaged_session_cookie_is_replaced_not_a_failure(site: RunningSite) -> None:
    # Bytes that are not text, or a value this site never gave: a browser keeps its
    # cookie however it got it, and every page must still open for its owner.
    port = int(site.base_url.rsplit(":", 1)[1])
    cookie = CookiePolicy(secure=False).name  # the test site is served over http
    for value in (b"\xff\xfe", b"pas-un-identifiant-de-la-plateforme!"):
        for path in ("/", "/connexion"):
            request = (
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode()
                + b"Cookie: "
                + cookie.encode()
                + b"="
                + value
                + b"\r\n"
                + b"Connection: close\r\n\r\n"
            )
            status, headers, _ = await exchange(port, request)
            assert status == 200, (value, path)
            if path == "/connexion":
                # The sign-in form's token needs a session: a new one replaces the cookie.
                assert headers["Set-Cookie"].startswith(f"{cookie}="), value


async def test_the_session_cookie_is_http_only_same_site_and_holds_no_token(
    page: Page, site: RunningSite
) -> None:
    await sign_in(page, *DEMO["ambassador"], remember=True)
    cookies = await page.context.cookies()
    assert [cookie["name"] for cookie in cookies] == ["po_session"]
    cookie = cookies[0]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain http here; see the https test below
    # « Rester connecté » keeps the cookie 30 days; otherwise it ends with the browser.
    expires = datetime.fromtimestamp(cookie["expires"], UTC)
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)

    row = await signed_in_row(site)
    secrets = [row["tokens"]["access"], row["tokens"]["refresh"]]
    assert all(secret not in cookie["value"] for secret in secrets)
    for path in ("/agenda", "/mon-profil", "/mon-profil/modifier", "/mon-profil/donnees"):
        await page.goto(path)
        html = await page.content()
        assert all(secret not in html for secret in secrets), path
    storage = await page.evaluate("() => JSON.stringify([localStorage, sessionStorage])")
    assert storage == "[{},{}]"


async def test_over_https_the_cookie_is_secure_and_host_only(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    https = "https://prochorientation.fr"
    async with (
        site_running(make_settings, tmp_path, public_url=https) as site,
        aiohttp.ClientSession() as http,
    ):
        answer = await http.get(site.url("/connexion"))
        cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("__Host-po_session=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    assert "Domain=" not in cookie


@pytest.mark.parametrize("signed_in", [False, True])
async def test_pages_send_a_strict_policy_and_carry_no_inline_script_or_style(
    page: Page, site: RunningSite, signed_in: bool
) -> None:
    if signed_in:
        await sign_in_as(page, "staff")
    answer = await page.goto("/mon-profil" if signed_in else "/connexion")
    assert answer is not None
    headers = answer.headers
    policy = headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    if signed_in:
        assert headers["cache-control"] == "no-store"
    else:
        assert "no-store" not in headers["cache-control"]
    inline = await page.evaluate(
        """() => [
            document.querySelectorAll('script:not([src])').length,
            document.querySelectorAll('style, [style]').length,
            [...document.querySelectorAll('*')].filter(
                (element) => [...element.attributes].some((a) => a.name.startsWith('on'))
            ).length,
        ]"""
    )
    assert inline == [0, 0, 0]


async def test_the_site_refreshes_the_expired_access_token_behind_the_person(
    page: Page, site: RunningSite
) -> None:
    await sign_in_as(page, "ambassador")
    before = await signed_in_row(site)
    await sessions_of(site).update_one(
        {"_id": before["_id"]},
        {"$set": {"tokens.access_expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    await page.goto("/mon-profil")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    after = await signed_in_row(site)
    assert after["tokens"]["refresh"] != before["tokens"]["refresh"]
    assert after["tokens"]["access"] != before["tokens"]["access"]


async def test_a_session_ended_at_accounts_sends_the_person_to_sign_in_again(
    page: Page, site: RunningSite
) -> None:
    await sign_in_as(page, "ambassador")
    row = await signed_in_row(site)
    async with aiohttp.ClientSession() as http:
        ended = await http.delete(
            site.url("/api/accounts/sessions/current"),
            headers={"Authorization": f"Bearer {row['tokens']['access']}"},
        )
        assert ended.status == 204
    await sessions_of(site).update_one(
        {"_id": row["_id"]},
        {"$set": {"tokens.access_expires_at": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    await page.goto("/mon-profil")
    await expect(page).to_have_url(site.url("/connexion?suite=%2Fmon-profil&raison=expiree"))
    await expect(page.get_by_text("Votre session a expiré")).to_be_visible()


@pytest.mark.timeout(300)
async def test_too_many_wrong_passwords_are_explained_with_the_time_to_wait(
    browser: Browser,
    make_settings: Callable[..., Settings],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    looker: Looker,
) -> None:
    # Accounts' limits, lowered so that the lock comes after three guesses without delays.
    monkeypatch.setenv("ACCOUNTS_LOGIN_LOCK_AFTER_ACCOUNT", "3")
    monkeypatch.setenv("ACCOUNTS_LOGIN_MAX_DELAY_SECONDS", "0")
    async with site_running(make_settings, tmp_path) as site:
        context = await new_context(browser, site)
        page = await context.new_page()
        email, _ = DEMO["referent"]
        # Sign-in attempts are counted per quarter hour, in windows aligned on the clock.
        await clear_of_window_turn(margin_seconds=30)
        await page.goto("/connexion")
        for _ in range(4):
            await page.get_by_label("Adresse e-mail").fill(email)
            await page.get_by_label("Mot de passe", exact=True).fill("devinette-numero-x")
            await page.get_by_role("button", name="Se connecter").click()
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("Trop de tentatives de connexion")
        # The wait is the lock's remaining time, in whole minutes (« 1 minute », « 15 minutes »).
        await expect(alert).to_contain_text(re.compile(r"attendez \d+ minutes? avant de réessayer"))
        await looker.look(page, "connexion-trop-de-tentatives")
        await context.close()
