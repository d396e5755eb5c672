"""One solicitation's trace across two processes: agenda, then the notifier's email.

Agenda and the notifier run as ``python -m services.<name>`` over the real RabbitMQ,
exporting their spans over OTLP/HTTP to a small collector the test runs itself. The
test plays the site: it sends the solicitation with a ``traceparent`` of its own, and
follows that trace to the email the SMTP server received.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from pymongo import AsyncMongoClient

from embedded.ports import free_port
from shared.bus.rabbit import RabbitBus
from shared.contracts.accounts import (
    AmbassadorProfileChanged,
    StaffProfileChanged,
    Territory,
    UserActivated,
)
from shared.events import Envelope, Event
from shared.http import AccessTokenSigner, Principal
from shared.idempotency import handled_key
from shared.mongo import Document
from shared.settings import Settings
from tests.agenda.conftest import brief, in_days
from tests.fixtures.processes import Deployment, service_processes, wait_healthy
from tests.fixtures.rabbit import wait_until
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.broker

SCHOOL_UAI = "0590001A"


@dataclass(frozen=True)
class CollectedSpan:
    """A span as a process exported it."""

    service: str
    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    attributes: dict[str, Any]


class Collector:
    """A small OTLP/HTTP trace receiver: ``POST /v1/traces`` in protobuf."""

    def __init__(self) -> None:
        self.spans: list[CollectedSpan] = []
        self.port = free_port()
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/traces", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        export = ExportTraceServiceRequest.FromString(await request.read())
        for resource_spans in export.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    self.spans.append(
                        CollectedSpan(
                            service=str(resource.get("service.name")),
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_span_id=span.parent_span_id.hex(),
                            attributes=_attributes(span.attributes),
                        )
                    )
        return web.Response(
            body=ExportTraceServiceResponse().SerializeToString(),
            content_type="application/x-protobuf",
        )

    def of_trace(self, trace_id: str) -> list[CollectedSpan]:
        """The spans of one trace received so far."""
        return [span for span in self.spans if span.trace_id == trace_id]


def _attributes(pairs: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for pair in pairs:
        kind = pair.value.WhichOneof("value")
        found[pair.key] = getattr(pair.value, kind) if kind else None
    return found


@pytest_asyncio.fixture
async def collector() -> AsyncIterator[Collector]:
    """The test's own trace collector."""
    running = Collector()
    await running.start()
    yield running
    await running.stop()


async def _published(bus: RabbitBus, event: Event) -> Envelope:
    envelope = Envelope.wrap(event, producer="accounts")
    await bus.publish(envelope)
    return envelope


async def _handled(
    mongo: AsyncMongoClient[Document], database: str, handler: str, envelope: Envelope
) -> None:
    records = mongo[database]["handled_events"]

    async def done() -> bool:
        return await records.find_one({"_id": handled_key(handler, envelope.id)}) is not None

    await wait_until(done, within=30, what=f"{handler} to handle {envelope.type}")


async def _people(deployment: Deployment, amqp_url: str, mongo_url: str) -> tuple[str, str, str]:
    """An ambassador and a teacher, as accounts announces them to both processes:
    (ambassador id, their address, the teacher's access token)."""
    ambassador_id = f"amb-{uuid.uuid4().hex[:8]}"
    address = f"zoe.{uuid.uuid4().hex[:6]}@example.org"
    teacher_id = f"staff-{uuid.uuid4().hex[:8]}"
    bus = RabbitBus(Settings(amqp_url=amqp_url, bus_prefix=deployment.prefix), "accounts")
    mongo: AsyncMongoClient[Document] = AsyncMongoClient(mongo_url)
    await bus.start()
    try:
        profile = await _published(
            bus,
            AmbassadorProfileChanged(
                ambassador_id=ambassador_id,
                revision=1,
                first_name="Zoé",
                last_initial="M.",
                profile="professional",
                job_title="Développeuse",
                sector="numerique",
                interventions=["class_presentation"],
                zone=Territory(departments=["59"]),
                solicitable=True,
            ),
        )
        teacher = await _published(
            bus,
            StaffProfileChanged(
                user_id=teacher_id,
                first_name="Paul",
                last_initial="D.",
                establishment_uai=SCHOOL_UAI,
                establishment_name="Collège Jean Moulin",
                city="Lille",
                postcode="59000",
                department="59",
                bassin="lille-est",
            ),
        )
        contact = await _published(
            bus,
            UserActivated(
                user_id=ambassador_id, role="ambassador", email=address, first_name="Zoé"
            ),
        )
        agenda_db, notifier_db = f"{deployment.prefix}_agenda", f"{deployment.prefix}_notifier"
        await _handled(mongo, agenda_db, "copy_ambassador", profile)
        await _handled(mongo, agenda_db, "copy_staff", teacher)
        await _handled(mongo, notifier_db, "email", contact)
    finally:
        await bus.close()
        await mongo.close()
    signer = AccessTokenSigner(deployment.keys.private_pem, 900)
    token = signer.issue(
        Principal(
            user_id=teacher_id,
            role="staff",
            session_id="s",
            establishment_uai=SCHOOL_UAI,
            establishment_department="59",
            establishment_bassin="lille-est",
        )
    )
    return ambassador_id, address, token


def _log_lines(path: Path) -> list[dict[str, Any]]:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def test_one_solicitation_is_one_trace_from_the_request_to_the_email(
    amqp_url: str,
    mongo_url: str,
    smtp_server: SmtpServer,
    collector: Collector,
    tmp_path: Path,
) -> None:
    tracing = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{collector.port}",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "LOG_LEVEL": "INFO",
    }
    with service_processes(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        smtp=smtp_server,
        folder=tmp_path,
        services=("agenda", "notifier"),
        common=tracing,
        own={"notifier": {"NOTIFIER_POLL_SECONDS": "0.2"}},
    ) as deployment:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, deployment)
            ambassador_id, address, token = await _people(deployment, amqp_url, mongo_url)
            # The site's span, as the site would send it: the trace starts with the page.
            trace_id, site_span_id = secrets.token_hex(16), secrets.token_hex(8)
            body = brief(ambassador_id, in_days(5))
            del body["message"]  # one email, without the conversation messaging would open
            async with http.post(
                f"{deployment.urls['agenda']}/api/agenda/solicitations",
                json=body,
                headers={
                    "Authorization": f"Bearer {token}",
                    "traceparent": f"00-{trace_id}-{site_span_id}-01",
                },
            ) as response:
                assert response.status == 201, await response.text()

            def sent_in_trace() -> list[Any]:
                return [s for s in collector.of_trace(trace_id) if s.name == "smtp send"]

            def all_in() -> bool:
                names = {s.name for s in collector.of_trace(trace_id)}
                return names >= {
                    "POST /api/agenda/solicitations",
                    "send agenda.solicitation.created",
                    "process agenda.solicitation.created",
                    "smtp send",
                }

            # Every span read below, before the processes stop: stopping them waits
            # without yielding, and this collector runs on the test's own event loop, so a
            # span a process exports only as it stops could not be received.
            await wait_until(all_in, within=30, what="the trace's four spans")
        assert not deployment.exited(), f"exited: {deployment.exited()}"

    spans = collector.of_trace(trace_id)
    [request] = [s for s in spans if s.name == "POST /api/agenda/solicitations"]
    [published] = [s for s in spans if s.name == "send agenda.solicitation.created"]
    [processed] = [
        s
        for s in spans
        if s.name == "process agenda.solicitation.created" and s.service == "notifier"
    ]
    [smtp_send] = sent_in_trace()
    # One trace, two processes, each step the child of the one before.
    assert (request.service, request.parent_span_id) == ("agenda", site_span_id)
    assert (published.service, published.parent_span_id) == ("agenda", request.span_id)
    assert processed.parent_span_id == published.span_id
    assert (smtp_send.service, smtp_send.parent_span_id) == ("notifier", processed.span_id)
    assert smtp_send.attributes["email.template"] == "solicitation_created"

    # The email that reached the SMTP server is the one that span sent.
    [mail] = [
        m
        for m in smtp_server.to(address)
        if str(m.message["Message-ID"]).strip() == smtp_send.attributes["email.message_id"]
    ]
    assert "Proch" in str(mail.message["From"])

    # Both processes' log lines for this solicitation name its trace.
    agenda_access = [
        line
        for line in _log_lines(tmp_path / "agenda.log")
        if line.get("path") == "/api/agenda/solicitations" and line.get("method") == "POST"
    ]
    assert [line["trace_id"] for line in agenda_access] == [trace_id]
    handled = [
        line
        for line in _log_lines(tmp_path / "notifier.log")
        if line["message"] == "event handled"
        and line.get("event_type") == "agenda.solicitation.created"
    ]
    assert [line["trace_id"] for line in handled] == [trace_id]
