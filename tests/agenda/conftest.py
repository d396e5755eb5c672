"""Agenda served over a real socket, with the people it knows from accounts' events.

A ``World`` runs agenda on a platform (in-process bus, real MongoDB-wire store),
publishes accounts' events on the bus to tell agenda who the ambassadors, staff and
referents are (as accounts would), mints access tokens the way accounts signs them,
and records every event agenda publishes, as a consumer would see it.

Agenda's clock is a ``MovableClock``: a test moves it past an appointment's end
instead of waiting for it. The reminder-escalation-expiry timeline uses real time
with short delays (settings).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from pymongo.asynchronous.database import AsyncDatabase

from services.agenda.app import create_app
from services.agenda.context import AGENDA, Agenda
from services.agenda.settings import AgendaSettings
from shared.bus import Delivery, Subscription
from shared.contracts import agenda as agenda_events
from shared.contracts.accounts import (
    AmbassadorProfileChanged,
    ExportRequested,
    OrganizationChanged,
    ReferentChanged,
    Sponsorship,
    StaffProfileChanged,
    Territory,
    UserDeleted,
)
from shared.events import Envelope, Event
from shared.french import PARIS
from shared.http import AccessTokenSigner, Principal, Role
from shared.http import Territory as TokenTerritory
from shared.keys import load_key_pair
from shared.mongo import Document
from shared.runtime import Platform
from shared.settings import Settings
from tests.fixtures.http import Answer, send
from tests.fixtures.platform import RunningPlatform, running
from tests.fixtures.rabbit import wait_until

PARIS_UAI = "0590001A"
ARRAS_UAI = "0620002B"

AGENDA_EVENTS: list[type[Event]] = [
    agenda_events.SolicitationCreated,
    agenda_events.AppointmentAccepted,
    agenda_events.AppointmentRefused,
    agenda_events.AppointmentCancelled,
    agenda_events.AppointmentExpired,
    agenda_events.SolicitationReminded,
    agenda_events.SolicitationEscalated,
    agenda_events.AppointmentCompleted,
    agenda_events.CallPublished,
    agenda_events.CallFilled,
    agenda_events.AgendaExportPrepared,
    agenda_events.AgendaUserErased,
    agenda_events.AgendaPersonalDataRead,
]


@dataclass
class MovableClock:
    """Real time, plus an offset a test can move forward."""

    offset: timedelta = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Move "now" forward."""
        self.offset += delta

    def move_to(self, moment: datetime) -> None:
        """Make "now" be ``moment`` (time then flows on from there)."""
        self.offset = moment - datetime.now(UTC)


@dataclass
class Person:
    """Someone the tests act as: their id and access token."""

    id: str
    role: Role
    token: str


@dataclass
class Recorded:
    """Every event agenda published, in order, as a consumer received it."""

    envelopes: list[Envelope] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    async def handle(self, delivery: Delivery) -> None:
        if any(seen.id == delivery.envelope.id for seen in self.envelopes):
            return
        self.envelopes.append(delivery.envelope)
        self.events.append(delivery.event)

    def of(self, event_type: type[Event]) -> list[Any]:
        """The recorded events of one type."""
        return [event for event in self.events if isinstance(event, event_type)]

    async def wait_for(self, event_type: type[Event], count: int = 1, within: float = 10) -> Any:
        """Wait until ``count`` events of this type arrived; the last one."""
        await wait_until(
            lambda: len(self.of(event_type)) >= count, within=within, what=event_type.type
        )
        return self.of(event_type)[count - 1]


def in_days(days: float, *, hour: int = 10, clock: MovableClock | None = None) -> datetime:
    """A start ``days`` from now at ``hour``:00 Paris time (+01:00/+02:00 handled by zoneinfo)."""

    now = (clock or MovableClock())()
    day = (now + timedelta(days=days)).astimezone(PARIS)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def brief(ambassador_id: str, starts_at: datetime, **overrides: Any) -> dict[str, Any]:
    """A valid solicitation body (staff: the establishment comes from their profile)."""
    body: dict[str, Any] = {
        "ambassador_id": ambassador_id,
        "kind": "class_presentation",
        "format": "in_person",
        "starts_at": starts_at.isoformat(),
        "duration_minutes": 45,
        "audience": {"level": "3e", "group_size": 28},
        "topic": "Les métiers du numérique",
        "expectations": "Parcours, journée type, conseils pour le stage de 3e.",
        "equipment": "Vidéoprojecteur",
        "team_member_present": True,
        "message": "Bonjour, nos élèves de 3e seraient ravis de vous rencontrer.",
    }
    body.update(overrides)
    return body


LILLE_COLLEGE = {"name": "Collège Jean Moulin", "city": "Lille", "postcode": "59000"}
# In Lille-Est, as the reference table of the Nord's communes places Villeneuve-d'Ascq.
ASCQ_COLLEGE = {
    "name": "Collège de la Cousinerie",
    "city": "Villeneuve-d'Ascq",
    "postcode": "59650",
}


@dataclass(repr=False)
class World:
    """Agenda on a platform, the people it knows, and what it published."""

    running: RunningPlatform
    agenda: Agenda
    clock: MovableClock
    recorded: Recorded
    signer: AccessTokenSigner
    people: dict[str, Person] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The platform settings."""
        return self.running.settings

    @property
    def platform(self) -> Platform:
        """The platform agenda runs on."""
        return self.running.platform

    @property
    def db(self) -> AsyncDatabase[Document]:
        """Agenda's database, for checks a client cannot make."""
        return self.agenda.ctx.db

    # HTTP ---------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        who: Person | str | None = None,
        *,
        json: Any = None,
        params: Mapping[str, str] | Sequence[tuple[str, str]] | None = None,
        data: bytes | None = None,
    ) -> Answer:
        """Send a request to ``/api/agenda{path}`` as ``who`` (a person or their name)."""
        person = self.people[who] if isinstance(who, str) else who
        url = self.running.url(f"/api/agenda{path}")
        token = person.token if person is not None else None
        return await send(
            self.running.http, method, url, token=token, json=json, params=params, data=data
        )

    async def solicit(
        self, who: str, ambassador: str, starts_at: datetime, **overrides: Any
    ) -> str:
        """A solicitation that must be accepted by the rules; its id."""
        body = brief(self.people[ambassador].id, starts_at, **overrides)
        if self.people[who].role == "referent" and "establishment" not in overrides:
            body["establishment"] = LILLE_COLLEGE
        answer = await self.call("POST", "/solicitations", who, json=body)
        assert answer.status == 201, answer.body
        return str(answer.body["id"])

    async def appointment(self, appointment_id: str, who: str) -> dict[str, Any]:
        """An appointment as ``who`` reads it."""
        answer = await self.call("GET", f"/appointments/{appointment_id}", who)
        assert answer.status == 200, answer.body
        return dict(answer.body)

    async def settled(self) -> None:
        """Wait until every event agenda wrote so far was published and recorded."""
        outbox = self.db["outbox"]

        async def done() -> bool:
            pending = await outbox.count_documents({"published_at": None})
            total = await outbox.count_documents({})
            return pending == 0 and len(self.recorded.envelopes) == total

        await wait_until(done, what="agenda's events to be published")

    async def stored(self, appointment_id: str) -> Document:
        """The stored appointment, for checks that nothing changed."""
        document = await self.db["appointments"].find_one({"_id": appointment_id})
        assert document is not None
        return dict(document)

    # people, as accounts announces them --------------------------------------------

    def token(self, principal: Principal) -> str:
        """An access token as accounts would sign it."""
        return self.signer.issue(principal)

    async def publish(self, event: Event, *, occurred_at: datetime | None = None) -> Envelope:
        """Publish an accounts event on the platform's bus."""
        envelope = Envelope.wrap(event, producer="accounts")
        if occurred_at is not None:
            envelope = envelope.model_copy(update={"occurred_at": occurred_at})
        await self.platform.bus.publish(envelope)
        return envelope

    async def handled(self, handler: str, envelope: Envelope) -> None:
        """Wait until agenda's ``handler`` handled ``envelope``."""
        handled = self.agenda.ctx.handled

        async def done() -> bool:
            return await handled.seen(handler, envelope.id)

        await wait_until(done, what=f"{handler} to handle {envelope.type}")

    async def ambassador(self, name: str, **profile: Any) -> Person:
        """An ambassador as accounts announces them (solicitable, Nord, every kind)."""
        person = self.people.get(name)
        user_id = person.id if person else f"amb-{name}-{uuid.uuid4().hex[:6]}"
        revision = self.revisions.get(user_id, 0) + 1
        self.revisions[user_id] = revision
        values: dict[str, Any] = {
            "ambassador_id": user_id,
            "revision": revision,
            "first_name": name.capitalize(),
            "last_initial": "M.",
            "profile": "professional",
            "job_title": "Développeuse",
            "sector": "numerique",
            "interventions": [
                "class_presentation",
                "event",
                "company_visit",
                "discovery_internship",
            ],
            "zone": Territory(departments=["59"]),
            "solicitable": True,
        }
        values.update(profile)
        envelope = await self.publish(AmbassadorProfileChanged(**values))
        await self.handled("copy_ambassador", envelope)
        if person is None:
            person = Person(
                user_id,
                "ambassador",
                self.token(Principal(user_id=user_id, role="ambassador", session_id="s")),
            )
            self.people[name] = person
        return person

    async def staff(
        self,
        name: str,
        *,
        uai: str = PARIS_UAI,
        establishment: str = "Collège Jean Moulin",
        city: str = "Lille",
        postcode: str = "59000",
        bassin: str | None = "lille-est",
    ) -> Person:
        """An educational-team member and their establishment (placed as accounts would,
        from the reference data; a bassin only in the Nord)."""
        if not postcode.startswith("59"):
            bassin = None
        user_id = f"staff-{name}-{uuid.uuid4().hex[:6]}"
        envelope = await self.publish(
            StaffProfileChanged(
                user_id=user_id,
                first_name=name.capitalize(),
                last_initial="D.",
                establishment_uai=uai,
                establishment_name=establishment,
                city=city,
                postcode=postcode,
                department=postcode[:2],
                bassin=bassin,
            )
        )
        await self.handled("copy_staff", envelope)
        principal = Principal(
            user_id=user_id,
            role="staff",
            session_id="s",
            establishment_uai=uai,
            establishment_department=postcode[:2],
            establishment_bassin=bassin,
        )
        person = Person(user_id, "staff", self.token(principal))
        self.people[name] = person
        return person

    async def referent(
        self, name: str, departments: list[str], bassins: list[str] | None = None
    ) -> Person:
        """A referent and their territory."""
        user_id = f"ref-{name}-{uuid.uuid4().hex[:6]}"
        territory = Territory(departments=departments, bassins=bassins or [])
        envelope = await self.publish(
            ReferentChanged(
                user_id=user_id,
                first_name=name.capitalize(),
                last_initial="R.",
                territory=territory,
            )
        )
        await self.handled("copy_referent", envelope)
        principal = Principal(
            user_id=user_id,
            role="referent",
            session_id="s",
            territory=TokenTerritory(departments=tuple(departments), bassins=tuple(bassins or [])),
        )
        person = Person(user_id, "referent", self.token(principal))
        self.people[name] = person
        return person

    def admin(self, name: str = "admin") -> Person:
        """The regional operator."""
        user_id = f"admin-{uuid.uuid4().hex[:6]}"
        person = Person(
            user_id, "admin", self.token(Principal(user_id=user_id, role="admin", session_id="s"))
        )
        self.people[name] = person
        return person

    def partner(self, name: str, organization_id: str) -> Person:
        """The contact of a partner organization (role ``partner``)."""
        user_id = f"partner-{name}-{uuid.uuid4().hex[:6]}"
        principal = Principal(
            user_id=user_id, role="partner", session_id="s", organization_id=organization_id
        )
        person = Person(user_id, "partner", self.token(principal))
        self.people[name] = person
        return person

    async def organization(
        self,
        organization_id: str,
        name: str,
        *,
        sponsorship: Sponsorship | None = None,
        occurred_at: datetime | None = None,
        siret: str | None = "12345678900011",
    ) -> Envelope:
        """accounts announces a partner organization and its conventions."""
        envelope = await self.publish(
            OrganizationChanged(
                organization_id=organization_id,
                name=name,
                siret=siret,
                kind="entreprise",
                sponsorship=sponsorship,
            ),
            occurred_at=occurred_at,
        )
        await self.handled("copy_organization", envelope)
        return envelope

    async def request_export(self, name: str) -> str:
        """accounts asks every service for this person's data; the request id."""
        person = self.people[name]
        request_id = uuid.uuid4().hex
        envelope = await self.publish(
            ExportRequested(request_id=request_id, user_id=person.id, role=person.role)
        )
        await self.handled("export_user", envelope)
        return request_id

    def wake_scheduler(self) -> None:
        """Tell agenda's scheduler to look for due steps now (after moving the clock)."""
        self.agenda.schedule_changed.set()

    async def delete_account(self, name: str) -> None:
        """accounts announces that this person deleted their account."""
        person = self.people[name]
        envelope = await self.publish(
            UserDeleted(
                user_id=person.id,
                role=person.role,
                email=f"{name}@exemple.fr",
                first_name=name,
            )
        )
        await self.handled("erase_user", envelope)


WorldFactory = Callable[..., contextlib.AbstractAsyncContextManager[World]]


def fast_agenda(**overrides: Any) -> AgendaSettings:
    """Scheduler settings for tests: it looks for due work often."""
    values: dict[str, Any] = {"scheduler_poll_seconds": 0.05, "scheduler_lease_seconds": 5}
    values.update(overrides)
    return AgendaSettings(**values)


def agenda_factory(
    options: AgendaSettings, clock: MovableClock, apps: list[web.Application]
) -> Callable[[Platform], web.Application]:
    """Agenda's factory for ``running``, keeping the application it builds."""

    def build(platform: Platform) -> web.Application:
        app = create_app(platform, options, clock=clock)
        apps.append(app)
        return app

    return build


@pytest.fixture
def open_world(make_settings: Callable[..., Settings]) -> WorldFactory:
    """Start a world with chosen settings: ``async with open_world(...) as world``."""

    @contextlib.asynccontextmanager
    async def start(
        *,
        options: AgendaSettings | None = None,
        others: Mapping[str, Callable[[Platform], web.Application]] | None = None,
        **settings: Any,
    ) -> AsyncIterator[World]:
        values = {
            # Long enough that the scheduler only acts where a test wants it to.
            "reminder_after_seconds": 86_400 * 30,
            "escalate_after_seconds": 86_400 * 60,
            **settings,
        }
        chosen = make_settings(**values)
        clock = MovableClock()
        apps: list[web.Application] = []
        services = {
            "agenda": agenda_factory(options or fast_agenda(), clock, apps),
            **(others or {}),
        }
        async with running(chosen, services) as run:
            keys = load_key_pair(chosen, create=True)
            signer = AccessTokenSigner(keys.private_pem, chosen.access_token_ttl_seconds)
            recorded = Recorded()
            for event_type in AGENDA_EVENTS:
                await run.platform.bus.subscribe(
                    Subscription("probe", "record", event_type, recorded.handle)
                )
            yield World(run, apps[0][AGENDA], clock, recorded, signer)

    return start


@pytest_asyncio.fixture
async def world(open_world: WorldFactory) -> AsyncIterator[World]:
    """Agenda with a Nord ambassador « zoe », a Lille teacher « paul » and referent « rita »."""
    async with open_world() as started:
        await started.ambassador("zoe")
        await started.staff("paul")
        await started.referent("rita", ["59"])
        yield started
