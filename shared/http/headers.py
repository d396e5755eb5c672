"""Headers every API answer carries, whatever produced it (a route, an error, a 404).

``Cache-Control: no-store`` keeps tokens and personal data out of shared and browser
caches; ``X-Content-Type-Options: nosniff`` stops a browser from reading a JSON answer
as a page or a script. A route that means to be cached (a calendar feed) sets its own
``Cache-Control``, which is kept.
"""

from __future__ import annotations

from aiohttp import web

API_HEADERS: dict[str, str] = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def set_api_headers(response: web.StreamResponse) -> None:
    """Add the API headers that ``response`` does not set itself."""
    for name, value in API_HEADERS.items():
        response.headers.setdefault(name, value)


async def api_headers_on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook of a service application."""
    set_api_headers(response)


async def root_headers_on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook of the root: only the answers the root makes itself.

    A service's answers get the headers from the service; what else is mounted at the
    root (the site, the developers' pages) chooses its own.
    """
    if len(request.match_info.apps) <= 1:
        set_api_headers(response)
