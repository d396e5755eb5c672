"""Pages from templates, and the site's own static files.

Every page gets what the layout needs (who is signed in, their menu, the form token,
the messages to show); static files are served from memory under a URL that carries
their content hash, so browsers keep them for a year and never use a stale one.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib import resources
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from services.web.charts import NARROW as NARROW_CHART
from services.web.domain.forms import Form
from services.web.domain.labels import NOT_SOLICITABLE
from services.web.domain.menu import ROLE_NAMES, menu_for
from services.web.domain.steering import euros
from services.web.sessions import Visit
from shared.french import PARIS, datetime_fr, day_fr, duration_fr, minutes_fr, sentence, time_fr

VISIT: web.RequestKey[Visit] = web.RequestKey("visit", Visit)
STATIC_PREFIX = "/static/"


@dataclass(frozen=True)
class StaticFile:
    """A file of ``static/`` held in memory."""

    body: bytes
    content_type: str
    version: str


class StaticFiles:
    """The site's CSS, script and images, with versioned URLs."""

    def __init__(self) -> None:
        folder = resources.files("services.web").joinpath("static")
        self._files: dict[str, StaticFile] = {}
        for entry in folder.iterdir():
            if not entry.is_file() or entry.name.startswith("."):
                continue
            body = entry.read_bytes()
            content_type = mimetypes.guess_type(entry.name)[0] or "application/octet-stream"
            version = hashlib.sha256(body).hexdigest()[:12]
            self._files[entry.name] = StaticFile(body, content_type, version)

    def url(self, name: str) -> str:
        """The versioned URL of a static file (unknown names fail loudly in tests)."""
        return f"{STATIC_PREFIX}{name}?v={self._files[name].version}"

    async def serve(self, request: web.Request) -> web.Response:
        """``GET /static/{name}``: long-lived, the version in the URL changes with it."""
        found = self._files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=found.body,
            content_type=found.content_type,
            charset="utf-8" if found.content_type.startswith(("text/", "image/svg")) else None,
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    def weight(self, name: str) -> int:
        """Bytes of a static file (for the page-weight benchmark)."""
        return len(self._files[name].body)


def setup_templates(app: web.Application, static: StaticFiles) -> jinja2.Environment:
    """The Jinja2 environment of the site's pages, with French formats."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("services.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        static=static.url,
        role_names=ROLE_NAMES,
        not_solicitable=NOT_SOLICITABLE,
        chart_narrow=NARROW_CHART,
    )
    env.filters.update(
        datetime_fr=_from_json(datetime_fr),
        day_fr=_from_json(day_fr),
        time_fr=_from_json(time_fr),
        duration_fr=duration_fr,
        minutes_fr=minutes_fr,
        sentence=sentence,
        euros=euros,
    )
    return env


def _from_json(format_moment: Callable[[datetime], str]) -> Callable[[date | str], str]:
    """A date filter that also takes the ISO 8601 text of the APIs' JSON, or a day."""

    def formatted(moment: date | str) -> str:
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(0, 0), tzinfo=PARIS)
        return format_moment(moment)

    return formatted


async def render(
    request: web.Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """A page: ``template`` with ``context`` and what the layout needs."""
    visit = request[VISIT]
    user = visit.user
    values = dict(context or {})
    values.setdefault("errors", {})
    values.setdefault("form", None)
    values.update(
        user=user,
        menu=menu_for(user.role if user else None),
        path=request.path,
        csrf_token=_LazyToken(visit),
        flash=await visit.take_flash(),
    )
    response = aiohttp_jinja2.render_template(template, request, values, status=status)
    return response


async def render_form(
    request: web.Request, template: str, context: Mapping[str, Any], form: Form | None
) -> web.Response:
    """A page with a form: blank, or again with what was typed and the errors (422)."""
    failed = form is not None and bool(form.errors)
    return await render(
        request,
        template,
        {**context, "values": form.values if form else {}, "errors": form.errors if form else {}},
        status=422 if failed else 200,
    )


class _LazyToken:
    """The form token, made only if the page shows a form (a cookie comes with it)."""

    def __init__(self, visit: Visit) -> None:
        self._visit = visit

    def __str__(self) -> str:
        return self._visit.csrf_token()

    def __html__(self) -> str:
        return str(self)


def see_other(location: str) -> web.Response:
    """Answer a form with a redirect to the page to show (POST, redirect, GET)."""
    return web.Response(status=303, headers={"Location": location})
