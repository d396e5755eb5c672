"""What every page of the site shares: settings, session store, API client, static files."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from aiohttp import web
from pymongo import AsyncMongoClient

from services.web.client import Api
from services.web.rendering import VISIT, StaticFiles
from services.web.sessions import CookiePolicy
from services.web.settings import WebSettings
from services.web.store import SessionStore
from shared.mongo import Document
from shared.settings import Settings


@dataclass
class Site:
    """The site's resources, opened with the application."""

    settings: Settings
    options: WebSettings
    store: SessionStore
    secret: bytes
    api_url: str
    cookie: CookiePolicy
    static: StaticFiles
    mongo: AsyncMongoClient[Document]
    http: aiohttp.ClientSession | None = None


SITE = web.AppKey("site", Site)


def api_of(request: web.Request) -> Api:
    """The APIs, called on behalf of this request's browser."""
    site = request.config_dict[SITE]
    assert site.http is not None, "the site's HTTP client opens with the application"
    return Api(site.http, site.api_url, request[VISIT], request)
