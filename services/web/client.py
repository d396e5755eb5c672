"""The platform's public HTTP API, called on behalf of one browser.

The site is a client like any other: it sends what a person typed to
``/api/<service>/…`` with their access token, and shows what comes back. Before a
call it refreshes a stale access token (one request at a time per session, see
:meth:`SessionStore.claim_refresh`); an answer 401 gets one refresh and one retry.
The browser's address travels in ``X-Forwarded-For`` as a proxy would write it, so
that accounts counts sign-in attempts per person, not per site.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web

from services.web.sessions import REFRESH_MARGIN, SignedInUser, Visit, now_utc
from shared.http import REQUEST_ID_HEADER
from shared.logging import request_id_var
from shared.tracing import inject

log = logging.getLogger("services.web.client")

# How long a request may hold the right to rotate the session's refresh token, and how
# long another one waits for it before giving up.
_REFRESH_HOLD = timedelta(seconds=10)
_REFRESH_WAIT_STEP = 0.05
# In ``WEB_API_URL``, replaced by the service a path names: each service is then reached
# at its own address (``http://{service}:8080`` in Kubernetes) instead of a gateway.
SERVICE_PLACEHOLDER = "{service}"


def api_url(base_url: str, path: str) -> str:
    """The URL of ``/api{path}`` (``path`` starts with the service: ``/accounts/me``).

    ``base_url`` is a gateway serving every ``/api/<service>/``, or a template holding
    ``{service}``, filled with the service's name: services serve under their prefix,
    so the path stays the same either way.
    """
    base = base_url.rstrip("/")
    if SERVICE_PLACEHOLDER in base:
        service = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        base = base.replace(SERVICE_PLACEHOLDER, service)
    return f"{base}/api{path}"


@dataclass
class ApiRefusedError(Exception):
    """A 4xx answer of the API: its status, stable code, French message and details."""

    status: int
    code: str
    message: str
    details: Any = None
    retry_after: int | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def field_messages(self) -> dict[str, str]:
        """Messages per field of an ``invalid_request`` (``job.title`` → …)."""
        if not isinstance(self.details, list):
            return {}
        found: dict[str, str] = {}
        for item in self.details:
            if isinstance(item, dict) and item.get("field"):
                found.setdefault(str(item["field"]), str(item.get("message", "")))
        return found


class ApiUnavailableError(Exception):
    """The API did not answer, or answered 5xx: the page says to come back later."""


class SignedOutError(Exception):
    """The person's session ended at accounts (expired, revoked): sign in again."""


@dataclass
class Answer:
    """A successful answer: status, JSON body (or raw bytes) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class Api:
    """The APIs as one request of one browser calls them."""

    def __init__(
        self, http: aiohttp.ClientSession, base_url: str, visit: Visit, request: web.Request
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._visit = visit
        forwarded = request.headers.get("X-Forwarded-For")
        remote = request.remote or "unknown"
        self._forwarded_for = f"{forwarded}, {remote}" if forwarded else remote

    async def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> Any:
        """``GET`` and the JSON body."""
        return (await self.call("GET", path, params=params)).body

    async def shown(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        hidden: Collection[int] = (400, 404),
    ) -> Any:
        """``GET`` what the page's address names; the 404 page when the API answers
        one of ``hidden`` (a malformed id, nothing there, or not this person's)."""
        try:
            return await self.get(path, params=params)
        except ApiRefusedError as refused:
            if refused.status in hidden:
                raise web.HTTPNotFound() from refused
            raise

    async def post(self, path: str, json: Any = None) -> Any:
        """``POST`` a JSON body and the JSON answer."""
        return (await self.call("POST", path, json=json)).body

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        anonymous: bool = False,
    ) -> Answer:
        """Send a request to ``/api{path}``; raise :class:`ApiRefusedError` on a 4xx.

        Signed-in visits send their access token unless ``anonymous``.
        """
        token = None if anonymous else await self._access_token()
        answer = await self._send(method, path, json=json, params=params, data=data, token=token)
        if answer.status == 401 and token is not None:
            # Expired between the check and the call, or revoked: one refresh, one retry.
            token = await self._access_token(force=True)
            answer = await self._send(
                method, path, json=json, params=params, data=data, token=token
            )
            if answer.status == 401:
                raise SignedOutError()
        if answer.status >= 400:
            raise _problem(answer)
        return answer

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: Mapping[str, Any] | None,
        data: Any,
        token: str | None,
    ) -> Answer:
        headers = {"X-Forwarded-For": self._forwarded_for, "Accept": "application/json"}
        request_id = request_id_var.get()
        if request_id:
            headers[REQUEST_ID_HEADER] = request_id
        inject(headers)  # the page's trace goes on in the service
        if token:
            headers["Authorization"] = f"Bearer {token}"
        clean_params = (
            {key: str(value) for key, value in params.items() if value not in (None, "")}
            if params
            else None
        )
        # A kept-alive connection the server has just closed fails at once: a request
        # that may be repeated (not a POST) is tried once more on a new connection.
        attempts = 1 if method == "POST" else 2
        for attempt in range(1, attempts + 1):
            try:
                answer = await self._exchange(method, path, json, clean_params, data, headers)
                break
            except aiohttp.ServerDisconnectedError as error:
                if attempt == attempts:
                    log.warning("API %s %s unreachable: %s", method, path, error)
                    raise ApiUnavailableError() from error
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("API %s %s unreachable: %s", method, path, error)
                raise ApiUnavailableError() from error
        if answer.status >= 500:
            log.warning("API %s %s answered %s", method, path, answer.status)
            raise ApiUnavailableError()
        return answer

    async def _exchange(
        self,
        method: str,
        path: str,
        json: Any,
        params: Mapping[str, str] | None,
        data: Any,
        headers: Mapping[str, str],
    ) -> Answer:
        async with self._http.request(
            method, api_url(self._base, path), json=json, params=params, data=data, headers=headers
        ) as response:
            raw = await response.read()
            body: Any = None
            if raw and response.content_type == "application/json":
                body = await response.json()
            elif raw:
                body = raw
            return Answer(response.status, body, dict(response.headers))

    async def renew_access(self) -> None:
        """Take a new access token now. After a change of what tokens carry (a team
        member's establishment), the old one is refused only once its revocation has
        reached every service: the person's next pages must not wait for it."""
        await self._access_token(force=True)

    async def _access_token(self, *, force: bool = False) -> str | None:
        """The person's access token, refreshed first when it is about to expire."""
        tokens = self._visit.tokens
        if tokens is None:
            return None
        if not force and tokens["access_expires_at"] - now_utc() > REFRESH_MARGIN:
            return str(tokens["access"])
        await self._refresh(str(tokens["refresh"]))
        fresh = self._visit.tokens
        return str(fresh["access"]) if fresh else None

    async def _refresh(self, refresh_token: str) -> None:
        visit = self._visit
        key = visit.key
        assert key is not None
        store = visit.store
        deadline = now_utc() + _REFRESH_HOLD
        while not await store.claim_refresh(key, refresh_token, now_utc(), _REFRESH_HOLD):
            # Another request of this browser is rotating it: wait for its result.
            await asyncio.sleep(_REFRESH_WAIT_STEP)
            row = await store.find(key, now_utc())
            if row is None or not row.get("tokens"):
                raise SignedOutError()
            if row["tokens"]["refresh"] != refresh_token:
                visit.row = row
                return
            if now_utc() > deadline:
                raise ApiUnavailableError()
        answer = await self._send(
            "POST",
            "/accounts/sessions/refresh",
            json={"refresh_token": refresh_token},
            params=None,
            data=None,
            token=None,
        )
        if answer.status >= 400:
            await visit.sign_out()
            raise SignedOutError()
        tokens = tokens_of(answer.body)
        assert visit.row is not None
        visit.row["tokens"] = tokens
        await store.store_tokens(key, tokens, visit.row["expires_at"])


def tokens_of(body: Mapping[str, Any]) -> dict[str, Any]:
    """What the session keeps of accounts' ``SessionTokens`` answer."""
    return {
        "access": body["access_token"],
        "refresh": body["refresh_token"],
        "access_expires_at": now_utc() + timedelta(seconds=int(body["expires_in"])),
    }


def signed_in_user(body: Mapping[str, Any]) -> SignedInUser:
    """Who accounts' ``SessionTokens`` answer says signed in."""
    user = body["user"]
    return SignedInUser(
        id=str(user["id"]),
        role=str(user["role"]),
        first_name=str(user["first_name"]),
        last_name=str(user["last_name"]),
        email=str(user["email"]),
    )


def _problem(answer: Answer) -> ApiRefusedError:
    error = answer.body.get("error") if isinstance(answer.body, dict) else None
    retry = answer.headers.get("Retry-After")
    if not isinstance(error, dict):
        return ApiRefusedError(answer.status, "error", "La demande n'a pas pu aboutir.")
    return ApiRefusedError(
        answer.status,
        str(error.get("code", "error")),
        str(error.get("message", "")),
        error.get("details"),
        int(retry) if retry and retry.isdigit() else None,
    )
