"""The AsyncAPI 3.0 document of a service's events, generated from the contracts.

As the OpenAPI document describes a service's HTTP API, this one describes what it
publishes (its ``shared.contracts.<service>.PUBLISHED``) and what it consumes (its
subscriptions), served at ``/api/<service>/asyncapi.json``:

- a channel per event type: the routing key on the topic exchange;
- an operation per published type (``send``) and per subscription (``receive``);
- a message per event type: the envelope, whose ``data`` is the model's JSON schema
  (in ``components.schemas``): the producer's as it writes it, the consumer's as it
  reads it, so the two can be compared (see the contract test).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shared.bus import Subscription
from shared.events import Envelope, Event

ASYNCAPI_VERSION = "3.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"
# AMQP bindings of the AsyncAPI bindings specification.
_AMQP_BINDING_VERSION = "0.3.0"


def build_asyncapi(
    service: str,
    *,
    publishes: Sequence[type[Event]],
    consumes: Sequence[Subscription],
    exchange: str,
) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of ``service``'s events on the topic ``exchange``."""
    # Producers are described as they serialise, consumers as they validate.
    modes: list[tuple[type[Event], JsonSchemaMode]] = [
        *((model, "serialization") for model in publishes),
        *((subscription.model, "validation") for subscription in consumes),
    ]
    refs, definitions = models_json_schema(list(dict.fromkeys(modes)), ref_template=REF_TEMPLATE)
    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    models: dict[str, type[Event]] = {}

    def channel(event_type: str, model: type[Event], mode: JsonSchemaMode) -> str:
        # One message per channel: a type is written and read with one model here.
        if models.setdefault(event_type, model) is not model:
            raise ValueError(f"{service} describes {event_type} with two models")
        messages[event_type] = _message(event_type, model, refs[(model, mode)])
        channels[event_type] = {
            "address": event_type,
            "title": event_type,
            "messages": {event_type: {"$ref": f"#/components/messages/{event_type}"}},
            "bindings": {"amqp": _exchange_binding(exchange)},
        }
        return event_type

    for model in publishes:
        name = channel(model.type, model, "serialization")
        operations[f"publish.{name}"] = _operation("send", name, _summary(model))
    for subscription in consumes:
        name = channel(subscription.event_type, subscription.model, "validation")
        queue = subscription.queue_name("<prefix>")
        operations[f"{subscription.name}.{name}"] = {
            **_operation("receive", name, f"Handled by {subscription.name} (queue {queue})."),
            "bindings": {"amqp": {"ack": True, "bindingVersion": _AMQP_BINDING_VERSION}},
        }
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"Proch'Orientation · {service} events",
            "version": "1.0.0",
            "description": (
                f"Events {service} publishes and consumes on the topic exchange "
                f"{exchange}: the routing key is the event type. Every message is an "
                "envelope; its data follows the event's model."
            ),
        },
        "defaultContentType": "application/json",
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {
            "messages": dict(sorted(messages.items())),
            "schemas": definitions.get("$defs", {}),
        },
    }


def published_types(document: dict[str, Any]) -> Iterable[str]:
    """The event types an AsyncAPI document's service sends."""
    return _types(document, "send")


def consumed_types(document: dict[str, Any]) -> Iterable[str]:
    """The event types an AsyncAPI document's service receives."""
    return _types(document, "receive")


def _types(document: dict[str, Any], action: str) -> Iterable[str]:
    for operation in document["operations"].values():
        if operation["action"] == action:
            yield document["channels"][_ref_name(operation["channel"])]["address"]


def _ref_name(reference: dict[str, str]) -> str:
    return reference["$ref"].rsplit("/", 1)[-1]


def _operation(action: str, channel: str, summary: str) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{channel}"}],
        "summary": summary,
    }


def _message(event_type: str, model: type[Event], data: dict[str, Any]) -> dict[str, Any]:
    envelope = Envelope.model_json_schema()
    properties = {
        **envelope["properties"],
        "type": {"const": event_type, "title": "Type", "type": "string"},
        "version": {"const": model.version, "title": "Version", "type": "integer"},
        "data": data,
    }
    return {
        "name": event_type,
        "title": model.__name__,
        "summary": _summary(model),
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "title": "Envelope",
            "properties": properties,
            "required": envelope.get("required", []),
        },
    }


def _summary(model: type[Event]) -> str:
    return (model.__doc__ or model.__name__).strip().split("\n\n")[0].replace("\n", " ")


def _exchange_binding(exchange: str) -> dict[str, Any]:
    return {
        "is": "routingKey",
        "exchange": {"name": exchange, "type": "topic", "durable": True, "autoDelete": False},
        "bindingVersion": _AMQP_BINDING_VERSION,
    }
