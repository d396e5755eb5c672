"""The OpenAPI document describes every route with the very models that validate them."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from shared.http.openapi import REF_TEMPLATE
from shared.http.pagination import Page
from tests.http import sample
from tests.http.conftest import Served


async def document_of(served: Served) -> dict[str, Any]:
    response = await served.client.get(served.url("/openapi.json"))
    assert response.status == 200
    document: dict[str, Any] = await response.json()
    return document


def component(document: dict[str, Any], reference: dict[str, Any]) -> dict[str, Any]:
    name = reference["$ref"].removeprefix("#/components/schemas/")
    schema: dict[str, Any] = document["components"]["schemas"][name]
    return schema


async def test_document_is_valid_openapi_3_1(served: Served) -> None:
    document = await document_of(served)

    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Service d'exemple", "version": "1.2.3"}


async def test_server_url_is_where_the_service_is_mounted(served: Served) -> None:
    document = await document_of(served)

    assert document["servers"] == [{"url": served.base or "/"}]


async def test_every_route_is_listed(served: Served) -> None:
    document = await document_of(served)

    listed = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    registered = {(operation.method, operation.path) for operation in sample.router.operations}
    assert listed == {
        (method, path.replace("{item_id:\\d+}", "{item_id}")) for method, path in registered
    }
    assert len(listed) == 10


async def test_request_body_schema_is_the_models_own(served: Served) -> None:
    document = await document_of(served)
    operation = document["paths"]["/ambassadors"]["post"]

    reference = operation["requestBody"]["content"]["application/json"]["schema"]
    expected = sample.NewAmbassador.model_json_schema(ref_template=REF_TEMPLATE)
    nested = expected.pop("$defs")
    assert component(document, reference) == expected
    for name, schema in nested.items():
        assert document["components"]["schemas"][name] == schema
    assert operation["requestBody"]["required"] is True


async def test_responses_cover_success_and_every_error(served: Served) -> None:
    document = await document_of(served)
    operation = document["paths"]["/ambassadors"]["post"]

    created = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert component(document, created) == sample.Created.model_json_schema(mode="serialization")
    assert set(operation["responses"]) == {"201", "400", "409", "413", "415", "431"}
    bad_request = operation["responses"]["400"]
    assert "`invalid_request`" in bad_request["description"]
    assert "`malformed_json`" in bad_request["description"]
    error_shape = component(document, bad_request["content"]["application/json"]["schema"])
    assert error_shape["required"] == ["error"]
    conflict = operation["responses"]["409"]["content"]["application/json"]["examples"]
    assert conflict["name_taken"]["value"] == {
        "error": {"code": "name_taken", "message": "Ce nom est déjà pris."}
    }


async def test_query_model_becomes_query_parameters(served: Served) -> None:
    document = await document_of(served)
    operation = document["paths"]["/items"]["get"]

    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert set(parameters) == {"limit", "cursor", "department", "tag", "since"}
    assert all(parameter["in"] == "query" for parameter in parameters.values())
    assert parameters["limit"]["schema"]["maximum"] == 100
    assert {"type": "string", "format": "date-time"} in parameters["since"]["schema"]["anyOf"]
    assert parameters["tag"]["schema"]["type"] == "array"
    assert "`invalid_cursor`" in operation["responses"]["400"]["description"]
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert component(document, page)["title"] == Page[sample.Item].__name__


async def test_path_parameters_and_security_are_described(served: Served) -> None:
    document = await document_of(served)
    deletion = document["paths"]["/items/{item_id}"]["delete"]

    assert deletion["parameters"] == [
        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert deletion["security"] == [{"bearerAuth": []}]
    assert set(deletion["responses"]) == {"204", "401", "403", "431"}
    assert "content" not in deletion["responses"]["204"]
    assert "admin" in deletion["description"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "security" not in document["paths"]["/items"]["get"]


def test_routes_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="twice"):

        @sample.router.get("/items", summary="Encore", operation_id="again")
        async def again(call: Any) -> None:
            return None
