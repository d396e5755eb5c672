"""The OpenAPI 3.1 document of a router, generated from the models that validate requests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from shared.http.auth import Roles
from shared.http.errors import (
    FORBIDDEN,
    HEADERS_TOO_LARGE,
    INVALID_REQUEST,
    MALFORMED_JSON,
    PAYLOAD_TOO_LARGE,
    SESSION_EXPIRED,
    STAFF_NOT_VERIFIED,
    UNAUTHORIZED,
    UNSUPPORTED_MEDIA_TYPE,
    ErrorKind,
    ErrorResponse,
)
from shared.http.pagination import INVALID_CURSOR, PageQuery

if TYPE_CHECKING:
    from shared.http.routing import Operation, Router

REF_TEMPLATE = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearerAuth"
_PATH_PARAMETER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::(?:[^{}]|\{[^{}]*\})*)?\}")


def path_template(path: str) -> tuple[str, list[str]]:
    """aiohttp's ``/items/{id:\\d+}`` as OpenAPI's ``/items/{id}``, and the parameter names."""
    names = _PATH_PARAMETER.findall(path)
    return _PATH_PARAMETER.sub(lambda match: "{" + match.group(1) + "}", path), names


def _implied_errors(operation: Operation) -> list[ErrorKind]:
    """Errors the shared layer itself may answer for this operation."""
    # Any request's address or headers may be too long for the server to read.
    kinds: list[ErrorKind] = [HEADERS_TOO_LARGE]
    if operation.auth is not None:
        kinds += [UNAUTHORIZED, SESSION_EXPIRED]
        if isinstance(operation.auth, Roles):
            kinds.append(FORBIDDEN)
            if "staff" in operation.auth.roles:
                kinds.append(STAFF_NOT_VERIFIED)
    if operation.query is not None:
        kinds.append(INVALID_REQUEST)
        if issubclass(operation.query, PageQuery):
            kinds.append(INVALID_CURSOR)
    if operation.body is not None:
        kinds += [INVALID_REQUEST, MALFORMED_JSON, UNSUPPORTED_MEDIA_TYPE, PAYLOAD_TOO_LARGE]
    return kinds


def _error_responses(kinds: Iterable[ErrorKind], error_ref: dict[str, Any]) -> dict[str, Any]:
    by_status: dict[int, list[ErrorKind]] = {}
    for kind in kinds:
        same_status = by_status.setdefault(kind.status, [])
        if kind not in same_status:
            same_status.append(kind)
    responses: dict[str, Any] = {}
    for status in sorted(by_status):
        listed = by_status[status]
        examples: dict[str, Any] = {}
        for kind in listed:
            # unauthorized has two messages (missing token, expired session): keep both.
            name = kind.code if kind.code not in examples else f"{kind.code}_{len(examples)}"
            examples[name] = {
                "summary": kind.message,
                "value": {"error": {"code": kind.code, "message": kind.message}},
            }
        responses[str(status)] = {
            "description": "\n".join(f"- `{kind.code}` : {kind.message}" for kind in listed),
            "content": {"application/json": {"schema": error_ref, "examples": examples}},
        }
    return responses


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    parameters = []
    for name, property_schema in schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": property_schema,
        }
        if "description" in property_schema:
            parameter["description"] = property_schema["description"]
        parameters.append(parameter)
    return parameters


def _schemas(
    operations: Iterable[Operation],
) -> tuple[dict[tuple[Any, JsonSchemaMode], Any], dict[str, Any]]:
    """One pass over every model, so shared models become one component each."""
    inputs: list[tuple[Any, JsonSchemaMode, TypeAdapter[Any]]] = [
        (ErrorResponse, "serialization", TypeAdapter(ErrorResponse))
    ]
    seen: set[tuple[Any, JsonSchemaMode]] = {(ErrorResponse, "serialization")}
    for operation in operations:
        wanted: list[tuple[Any, JsonSchemaMode]] = []
        if operation.body is not None:
            wanted.append((operation.body, "validation"))
        if operation.query is not None:
            wanted.append((operation.query, "validation"))
        if operation.response is not None:
            wanted.append((operation.response, "serialization"))
        for key in wanted:
            if key not in seen:
                seen.add(key)
                inputs.append((key[0], key[1], TypeAdapter(key[0])))
    refs, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE)
    return refs, definitions.get("$defs", {})


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    reference = schema.get("$ref")
    if isinstance(reference, str) and reference.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = components[reference.rsplit("/", 1)[1]]
        return resolved
    return schema


def _operation(
    operation: Operation,
    refs: dict[tuple[Any, JsonSchemaMode], Any],
    components: dict[str, Any],
    service: str,
) -> dict[str, Any]:
    _, path_names = path_template(operation.path)
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [service],
    }
    descriptions = [operation.description] if operation.description else []
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in path_names
    ]
    if operation.query is not None:
        query_schema = _resolve(refs[(operation.query, "validation")], components)
        parameters += _query_parameters(query_schema)
    if parameters:
        document["parameters"] = parameters
    if operation.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(operation.body, "validation")]}},
        }
    success: dict[str, Any] = {"description": operation.summary}
    if operation.response is not None and operation.status != 204:
        schema = refs[(operation.response, "serialization")]
        success["content"] = {"application/json": {"schema": schema}}
    responses = {str(operation.status): success}
    kinds = [*_implied_errors(operation), *operation.errors]
    responses.update(_error_responses(kinds, refs[(ErrorResponse, "serialization")]))
    document["responses"] = responses
    if operation.auth is not None:
        document["security"] = [{SECURITY_SCHEME: []}]
        descriptions.append(operation.auth.describe())
    if descriptions:
        document["description"] = "\n\n".join(descriptions)
    return document


def build_openapi(router: Router, prefix: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``router``'s routes, served under ``prefix``."""
    refs, components = _schemas(router.operations)
    paths: dict[str, dict[str, Any]] = {}
    for operation in router.operations:
        template, _ = path_template(operation.path)
        paths.setdefault(template, {})[operation.method.lower()] = _operation(
            operation, refs, components, router.service
        )
    info: dict[str, Any] = {"title": router.title, "version": router.version}
    if router.description:
        info["description"] = router.description
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": prefix or "/"}],
        "tags": [{"name": router.service}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                SECURITY_SCHEME: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
