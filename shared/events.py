"""The event envelope and the registry of event models.

Every event travels as an :class:`Envelope` whose ``data`` is validated against the
pydantic model registered for its ``type`` and ``version``. Consumers ignore unknown
fields; a breaking change is a new version, registered as its own model.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base class of every event's data. Subclasses set ``type`` and ``version``.

    ``secret_fields`` names fields that must never be logged (links carrying tokens).
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: ClassVar[str]
    version: ClassVar[int] = 1
    secret_fields: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "type" in cls.__dict__:
            EVENT_MODELS.register(cls)


class UnknownEventError(LookupError):
    """No model is registered for this type and version."""


class EventRegistry:
    """Maps ``(type, version)`` to the pydantic model of the event's data."""

    def __init__(self) -> None:
        self._models: dict[tuple[str, int], type[Event]] = {}

    def register(self, model: type[Event]) -> None:
        """Register ``model``; a second model for the same type and version is a bug."""
        key = (model.type, model.version)
        existing = self._models.get(key)
        if existing is not None and existing is not model:
            raise ValueError(f"event {key} registered twice: {existing} and {model}")
        self._models[key] = model

    def model_for(self, type_: str, version: int) -> type[Event]:
        """The model of ``type_`` at ``version``, or :class:`UnknownEventError`."""
        try:
            return self._models[(type_, version)]
        except KeyError:
            raise UnknownEventError(f"{type_} v{version}") from None


EVENT_MODELS = EventRegistry()


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

    def open(self, registry: EventRegistry = EVENT_MODELS) -> Event:
        """Validate ``data`` against the registered model (raises on malformed data)."""
        return registry.model_for(self.type, self.version).model_validate(self.data)

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
