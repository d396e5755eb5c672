"""What every page of the site sends and checks to be hard to abuse.

- Headers: a strict Content-Security-Policy (no inline script or style, nothing from
  elsewhere, no framing), ``nosniff``, a same-origin referrer, and ``no-store`` on
  pages of a signed-in person (a shared computer's back button shows nothing).
- Forms: every state-changing request carries the browser's anti-forgery token
  (``csrf`` field); a missing or wrong one is refused with 403 and changes nothing.
  One exception: the one-click unsubscribe of emails (RFC 8058), which mail programs
  POST without any cookie or token. Its signed link is the proof, all it can do is
  stop one kind of optional email, and it needs no session.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from services.web.domain.forms import ANTI_FORGERY_FIELD
from shared.http.validation import MALFORMED_BODY_ERRORS

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
CSRF_FIELD = ANTI_FORGERY_FIELD
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Paths POSTed by mail programs, not by this site's forms (see the module's docstring).
CSRF_EXEMPT = frozenset({"/desabonnement"})


class CsrfRefusedError(Exception):
    """A state-changing request without this browser's token (or from elsewhere)."""


def add_security_headers(response: web.StreamResponse, *, signed_in: bool) -> None:
    """The headers of every answer of the site (before it is sent)."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if "Cache-Control" not in response.headers:
        # Pages carry a form token or a person's data: never in a shared cache.
        response.headers["Cache-Control"] = "no-store" if signed_in else "no-cache, private"


def is_state_changing(request: web.Request) -> bool:
    """Whether the request may change something (it must carry a token)."""
    return request.method not in _SAFE_METHODS and request.path not in CSRF_EXEMPT


def foreign_origin(request: web.Request) -> bool:
    """Whether the browser says the form was sent from another site.

    Browsers send ``Origin`` with form posts; its absence proves nothing (old
    browsers), but a different origin is refused even with a token.
    """
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    host = request.headers.get("X-Forwarded-Host") or request.host
    return urlsplit(origin).netloc != host


async def posted_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField]:
    """The form sent; 400 when the body is not the form it says it is."""
    try:
        return await request.post()
    except MALFORMED_BODY_ERRORS:
        raise web.HTTPBadRequest() from None


async def submitted_token(request: web.Request) -> str:
    """The token sent with a form (urlencoded or multipart)."""
    if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        # Read here first for every form: the pages' handlers get it from aiohttp's cache.
        form = await posted_form(request)
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""
