"""No link that the platform puts in an email breaks.

Every email template of the notifier is rendered from the sample facts (one event of
each kind) with the running site's address, as the notifier would send it; every link
of its plain-text and HTML parts is opened in the browser by the person the email is
for (the demo account of that role, signed in). None may answer 404, 403, a server
error or JSON: each opens an HTML page with its title. Links carrying ids point at
real objects made first through the public API (a request of the demo teacher to the
demo ambassador, its conversation, an open call). Single-use tokens of the samples are
not real: their pages may say the link is invalid, as HTML. Links to other sites are
not the platform's pages and are left out.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections import defaultdict
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, Page

from services.notifier.domain import Occurrence, plan
from services.notifier.render import Recipient, Renderer
from shared.events import Event
from tests.notifier import samples
from tests.web.api_people import ELISE, Api, in_days
from tests.web.browser import Looker
from tests.web.conftest import new_context
from tests.web.people import sign_in_as
from tests.web.site import RunningSite

TEMPLATES = Path(__file__).resolve().parents[2] / "services" / "notifier" / "templates"
# The base of the links in the samples, replaced by the running site's address.
SAMPLE_BASE = "http://127.0.0.1:8080"
# Who each sample recipient is on the running site.
ROLE_OF = {
    samples.AMBASSADOR_ID: "ambassador",
    samples.REQUESTER_ID: "staff",
    samples.REFERENT_ID: "referent",
    samples.ADMIN_ID: "admin",
}
# Pages of single-use links: the samples' tokens are not real ones.
TOKEN_PAGES = ("/activer", "/mot-de-passe", "/email")
_LINK_IN_TEXT = re.compile(r"https?://[^\s<>\"')\]]+")


class _Hrefs(HTMLParser):
    """The ``href`` of every ``<a>`` of an HTML part."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found.extend(value for name, value in attrs if name == "href" and value)


def links_of(mime: bytes) -> set[str]:
    """Every web link of a message's plain-text and HTML parts."""
    message = email.message_from_bytes(mime, policy=email.policy.default)
    found: set[str] = set()
    for part in message.walk():
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html"):
            continue
        content = str(part.get_content())
        if kind == "text/html":
            parser = _Hrefs()
            parser.feed(content)
            found.update(parser.found)
        found.update(link.rstrip(".,;:!?") for link in _LINK_IN_TEXT.findall(content))
    return {link for link in found if link.startswith(("http://", "https://"))}


def _with_real_ids(value: Any, base: str, real: dict[str, str]) -> Any:
    """The sample's data with the site's address and the ids of real objects."""
    if isinstance(value, dict):
        return {key: _replaced(key, item, base, real) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_real_ids(item, base, real) for item in value]
    if isinstance(value, str) and value.startswith(SAMPLE_BASE):
        return base + value.removeprefix(SAMPLE_BASE)
    return value


def _replaced(key: str, value: Any, base: str, real: dict[str, str]) -> Any:
    if key == "conversation_url":
        return f"{base}/messagerie/{real['conversation_id']}"
    if key in ("appointment_id", "call_id", "conversation_id") and isinstance(value, str):
        return real[key]
    if key == "suggestions" and isinstance(value, list):
        return [{**item, "ambassador_id": real["ambassador_id"]} for item in value]
    return _with_real_ids(value, base, real)


def sample_events(base: str, real: dict[str, str]) -> list[Event]:
    """Every sample event, its links and ids pointing at the running site's objects."""
    return [
        type(event).model_validate(_with_real_ids(event.model_dump(mode="json"), base, real))
        for event in samples.every_event()
    ]


def every_template() -> set[str]:
    """The names of the notifier's email templates (not their shared pieces)."""
    return {
        path.name.removesuffix(".txt.j2")
        for path in TEMPLATES.glob("*.txt.j2")
        if not path.name.startswith("_")
    }


async def real_objects(site: RunningSite, api: Api) -> dict[str, str]:
    """A request of the demo teacher to Élise, its conversation, and an open call that
    Élise is invited to."""
    staff = await api.demo("staff")
    appointment_id = await staff.solicit(in_days(10))
    conversation_id = await staff.conversation_of(appointment_id)
    elise = await api.demo("ambassador")
    # Calls invite those who take events in the school's zone: Élise widens both.
    await elise.call(
        "PATCH",
        "/accounts/me",
        {
            "zone": {"departments": ["59"], "bassins": ["lille-centre", "lille-est"]},
            "interventions": ["class_presentation", "company_visit", "event"],
        },
    )
    call_id = ""
    async with asyncio.timeout(20):  # the zone reaches agenda as an event
        while not call_id:
            published = await staff.call(
                "POST",
                "/agenda/calls",
                {
                    "title": "Forum des métiers du lycée",
                    "event_type": "forum",
                    "starts_at": in_days(21, hour=9).isoformat(),
                    "duration_minutes": 180,
                    "audience": {"level": "Seconde", "group_size": 150},
                    "description": "Un stand par ambassadeur, dans le gymnase.",
                    "places": 3,
                },
                status=201,
            )
            invited = await elise.call("GET", "/agenda/calls")
            if any(item["id"] == published["id"] for item in invited["items"]):
                call_id = str(published["id"])
            else:
                await asyncio.sleep(0.2)
    return {
        "appointment_id": appointment_id,
        "conversation_id": conversation_id,
        "call_id": call_id,
        "ambassador_id": ELISE,
    }


async def _problems_of(page: Page, link: str) -> list[str]:
    """What is wrong with the page a link opens (nothing: an empty list)."""
    path = urlsplit(link).path
    answer = await page.goto(link)
    if answer is None:
        return ["no answer"]
    problems = []
    status = answer.status
    if path in TOKEN_PAGES:
        # An invalid link says so on its page; it is never « not found » or a failure.
        if status in (403, 404) or status >= 500:
            problems.append(f"status {status}")
    elif status >= 400:
        problems.append(f"status {status}")
    content_type = answer.headers.get("content-type", "")
    if not content_type.startswith("text/html"):
        problems.append(f"content type {content_type!r}")
    elif await page.locator("h1").count() != 1:
        problems.append("no h1")
    if urlsplit(page.url).path == "/connexion" and path != "/connexion":
        problems.append("asked to sign in again")
    return problems


async def test_every_link_of_every_email_opens_a_page(
    browser: Browser, site: RunningSite, api: Api, looker: Looker
) -> None:
    real = await real_objects(site, api)
    public_url = site.settings.public_url
    renderer = Renderer(
        public_url=public_url,
        mail_from="Proch'Orientation <ne-pas-repondre@prochorientation.localhost>",
    )
    occurrence = Occurrence(event_id="sample", occurred_at=datetime.now(UTC), public_url=public_url)
    own_host = urlsplit(public_url).netloc
    # role → link → templates carrying it
    to_open: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    rendered: set[str] = set()
    skipped: set[str] = set()
    for event in sample_events(public_url, real):
        for outgoing in plan(event, occurrence):
            role = ROLE_OF.get(outgoing.user_id or "", "ambassador")
            address = outgoing.address or f"{role}@exemple.fr"
            mime = renderer.render(
                outgoing, Recipient(address, "Zoé"), now=occurrence.occurred_at
            ).mime
            rendered.add(outgoing.template)
            for link in links_of(mime):
                if urlsplit(link).netloc != own_host:
                    skipped.add(link)
                    continue
                to_open[role][link].add(outgoing.template)

    missing = every_template() - rendered
    assert not missing, f"templates without a sample: {sorted(missing)}"
    assert sum(len(links) for links in to_open.values()) >= 10
    assert all(urlsplit(link).netloc != own_host for link in skipped)

    failures: list[str] = []
    looked: set[tuple[str, str]] = set()
    for role, links in sorted(to_open.items()):
        context = await new_context(browser, site)
        page = await context.new_page()
        await sign_in_as(page, role)
        for link, templates in sorted(links.items()):
            problems = await _problems_of(page, link)
            path = urlsplit(link).path
            # One look (axe-core, screenshots) per page of each person.
            shape = re.sub(r"/[^/]*\d[^/]*$", "/id", path).rstrip("/") or "/accueil"
            if not problems and (role, shape) not in looked:
                looked.add((role, shape))
                try:
                    await looker.look(page, f"{role}{shape}".replace("/", "-"))
                except AssertionError as axe:
                    problems.append(str(axe))
            if problems:
                failures.append(
                    f"{link} (as {role}, in {', '.join(sorted(templates))}): " + "; ".join(problems)
                )
        await context.close()
    assert not failures, "emailed links that break:\n" + "\n".join(failures)
