"""Whether what a producer writes can be read by a consumer, from their JSON schemas.

The schemas are those of the services' AsyncAPI documents: the producer's message as
it serialises it, the consumer's as it validates it. Each ``$ref`` is resolved in its
own document. Enough of JSON Schema for pydantic's output: objects, arrays, unions,
constants and enumerations, scalar types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any]


@dataclass(frozen=True)
class Side:
    """A schema and the document its references point into."""

    schema: Schema
    document: Schema

    def resolved(self) -> Side:
        """The same side with a top-level ``$ref`` followed."""
        schema = self.schema
        while "$ref" in schema:
            node: Any = self.document
            for key in schema["$ref"].removeprefix("#/").split("/"):
                node = node[key]
            schema = node
        return Side(schema, self.document)

    def at(self, schema: Schema) -> Side:
        """Another schema of the same document."""
        return Side(schema, self.document)


def problems(reader: Side, writer: Side, where: str = "") -> list[str]:
    """Why data valid for ``writer`` could fail ``reader``'s validation (empty: it cannot)."""
    reader, writer = reader.resolved(), writer.resolved()
    if not reader.schema:
        return []  # the reader takes anything
    variants = writer.schema.get("anyOf") or writer.schema.get("oneOf")
    if variants:
        return [
            found for variant in variants for found in problems(reader, writer.at(variant), where)
        ]
    options = reader.schema.get("anyOf") or reader.schema.get("oneOf")
    if options:
        if any(not problems(reader.at(option), writer, where) for option in options):
            return []
        return [f"{where or '(root)'}: no reader variant takes {_kind(writer.schema)}"]
    found = _values(reader.schema, writer.schema, where) + _types(
        reader.schema, writer.schema, where
    )
    if found:
        return found
    if _type(reader.schema) == "object":
        return _objects(reader, writer, where)
    if _type(reader.schema) == "array" and "items" in reader.schema:
        return problems(
            reader.at(reader.schema["items"]),
            writer.at(writer.schema.get("items", {})),
            f"{where}[]",
        )
    return []


def _objects(reader: Side, writer: Side, where: str) -> list[str]:
    found: list[str] = []
    written = writer.schema.get("properties", {})
    for name in reader.schema.get("required", []):
        # A producer's model writes every field it declares (pydantic dumps them all).
        if name not in written:
            found.append(f"{where}.{name}: required by the reader, never written")
    for name, schema in reader.schema.get("properties", {}).items():
        if name in written:
            found += problems(reader.at(schema), writer.at(written[name]), f"{where}.{name}")
    extra = reader.schema.get("additionalProperties")
    if isinstance(extra, dict) and isinstance(writer.schema.get("additionalProperties"), dict):
        found += problems(
            reader.at(extra), writer.at(writer.schema["additionalProperties"]), f"{where}.*"
        )
    return found


def _values(reader: Schema, writer: Schema, where: str) -> list[str]:
    allowed = _enumerated(reader)
    if allowed is None:
        return []
    written = _enumerated(writer)
    if written is None:
        return [f"{where}: the reader takes only {sorted(map(str, allowed))}, the writer any value"]
    unknown = written - allowed
    return [f"{where}: the reader refuses {sorted(map(str, unknown))}"] if unknown else []


def _types(reader: Schema, writer: Schema, where: str) -> list[str]:
    expected, given = _type(reader), _type(writer)
    if expected is None or given is None or expected == given:
        return []
    if (expected, given) == ("number", "integer"):
        return []
    return [f"{where}: the reader expects {expected}, the writer sends {given}"]


def _enumerated(schema: Schema) -> frozenset[Any] | None:
    if "const" in schema:
        return frozenset([schema["const"]])
    if "enum" in schema:
        return frozenset(schema["enum"])
    return None


def _type(schema: Schema) -> str | None:
    kind = schema.get("type")
    if kind is None and "properties" in schema:
        return "object"
    return kind if isinstance(kind, str) else None


def _kind(schema: Schema) -> str:
    return str(schema.get("type") or schema.get("const") or schema.get("enum") or "this value")
