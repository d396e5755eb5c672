"""The event envelope and the base of every event's model.

Every event travels as an :class:`Envelope`; a consumer validates its ``data``
against the model its subscription names (see ``shared.bus.Subscription``), so there
is no process-wide table of models and no service needs another's code: the models
are the contracts of ``shared.contracts``. Consumers ignore unknown fields; a
breaking change is a new version, declared as its own model.
"""

from __future__ import annotations

import builtins
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema


class Event(BaseModel):
    """Base class of every event's data. Subclasses set ``type`` and ``version``.

    ``secret_fields`` names fields that must never be logged (links carrying tokens).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1
    secret_fields: ClassVar[frozenset[str]] = frozenset()


class UnexpectedEventError(LookupError):
    """An envelope's type or version is not the one its model describes."""


E = TypeVar("E", bound=Event)


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """What crosses the bus: metadata plus the event's data as a plain dict."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=_now)
    producer: str
    correlation_id: str | None = None
    data: dict[str, Any]
    # The W3C trace context (``traceparent``…) of the change that made the event: kept
    # beside it in the outbox and carried in the message's headers, never in its body.
    trace_context: SkipJsonSchema[dict[str, str]] = Field(
        default_factory=dict, exclude=True, repr=False
    )

    @classmethod
    def wrap(cls, event: Event, *, producer: str, correlation_id: str | None = None) -> Envelope:
        """Put ``event`` in a new envelope produced by ``producer``."""
        return cls(
            type=event.type,
            version=event.version,
            producer=producer,
            correlation_id=correlation_id,
            data=event.model_dump(mode="json"),
        )

    def open(self, model: builtins.type[E], event_type: str | None = None) -> E:
        """Validate ``data`` against ``model``, the contract of this type and version.

        ``event_type`` defaults to the model's own type: a model shared by several
        types (the personal-data answers) is opened with the type it is read as.
        Raises :class:`UnexpectedEventError` when the envelope is of another type or
        version, ``pydantic.ValidationError`` when the data does not match.
        """
        expected = event_type or model.type
        if (self.type, self.version) != (expected, model.version):
            raise UnexpectedEventError(
                f"{self.type} v{self.version} (expected {expected} v{model.version})"
            )
        return model.model_validate(self.data)

    def to_bytes(self) -> bytes:
        """The wire form: UTF-8 JSON."""
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, body: bytes) -> Envelope:
        """Parse the wire form (raises ``pydantic.ValidationError`` when malformed)."""
        return cls.model_validate_json(body)

    def describe(self) -> dict[str, Any]:
        """Fields safe to log: metadata only, never the data (it may hold secrets)."""
        return {
            "event_id": str(self.id),
            "event_type": self.type,
            "event_version": self.version,
            "producer": self.producer,
            "correlation_id": self.correlation_id,
        }
