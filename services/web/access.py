"""Who may open a page: signed-in people of some roles; the others are sent to sign in.

A page's form posts to the page's own address (:func:`add_form_page`), so that a form
sent while signed out leads back to its page once signed in.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote
from weakref import WeakKeyDictionary

from aiohttp import web

from services.web.rendering import VISIT, see_other
from services.web.sessions import SignedInUser

PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# The roles each guarded page admits (empty: any signed-in person), so that what the site
# tells people they may open (« Plan du site ») can be checked against what opens.
_AUDIENCES: WeakKeyDictionary[PageHandler, tuple[str, ...]] = WeakKeyDictionary()


def sign_in_path(request: web.Request, *, reason: str | None = None) -> str:
    """``/connexion`` with the page to come back to once signed in.

    A form sent while signed out comes back to its page (forms post to their page's
    own address), not to a replay of the form.
    """
    back = request.path_qs if request.method == "GET" else request.path
    path = f"/connexion?suite={quote(back, safe='')}"
    return f"{path}&raison={reason}" if reason else path


def add_form_page(
    router: web.UrlDispatcher, path: str, page: PageHandler, send: PageHandler
) -> None:
    """A page (GET) and the form on it, which posts to the same address."""
    router.add_get(path, page)
    router.add_post(path, send)


def requires(*roles: str) -> Callable[[PageHandler], PageHandler]:
    """A page for signed-in people (of ``roles`` when given); 403 for other roles."""

    def decorate(handler: PageHandler) -> PageHandler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            user = request[VISIT].user
            if user is None:
                return see_other(sign_in_path(request))
            if roles and user.role not in roles:
                raise web.HTTPForbidden()
            return await handler(request)

        _AUDIENCES[guarded] = roles
        return guarded

    return decorate


def audience_of(handler: PageHandler) -> tuple[str, ...] | None:
    """The roles ``handler``'s guard admits (empty: any signed-in person); None: no guard."""
    return _AUDIENCES.get(handler)


def user_of(request: web.Request) -> SignedInUser:
    """The signed-in person of a page guarded by :func:`requires`."""
    user = request[VISIT].user
    assert user is not None, "the page is guarded by requires()"
    return user
