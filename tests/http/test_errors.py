"""Every failure reaches the client as the JSON error shape, with its status and French text."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse

from tests.http import sample
from tests.http.conftest import LogLines, Served


async def error_of(response: ClientResponse) -> dict[str, Any]:
    """The ``error`` object of a JSON error answer (fails on HTML or text)."""
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert error["code"]
    assert error["message"]
    return error


async def test_malformed_json_is_a_400_in_french(served: Served) -> None:
    response = await served.client.post(
        served.url("/ambassadors"),
        data='{"first_name": "Léa", '.encode(),
        headers={"Content-Type": "application/json"},
    )

    assert response.status == 400
    error = await error_of(response)
    assert error["code"] == "malformed_json"
    assert error["message"] == "Le corps de la requête n'est pas un document JSON valide."


async def test_empty_body_is_malformed_json(served: Served) -> None:
    response = await served.client.post(
        served.url("/ambassadors"), data=b"", headers={"Content-Type": "application/json"}
    )

    assert response.status == 400
    assert (await error_of(response))["code"] == "malformed_json"


async def test_body_that_is_not_json_is_a_415(served: Served) -> None:
    response = await served.client.post(
        served.url("/ambassadors"),
        data={"first_name": "Léa"},  # a form, not JSON
    )

    assert response.status == 415
    error = await error_of(response)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["message"]


async def test_body_over_the_service_limit_is_a_413_even_when_mounted(served: Served) -> None:
    oversized = b'{"first_name": "' + b"a" * (sample.MAX_BODY_BYTES + 10) + b'"}'

    response = await served.client.post(
        served.url("/ambassadors"), data=oversized, headers={"Content-Type": "application/json"}
    )

    assert response.status == 413
    error = await error_of(response)
    assert error["code"] == "payload_too_large"
    assert error["message"] == "Le contenu envoyé est trop volumineux."


async def test_chunked_body_over_the_limit_is_a_413(served: Served) -> None:
    async def chunks() -> Any:
        yield b'{"title": "'
        for _ in range(10):
            yield b"a" * (sample.MAX_BODY_BYTES // 4)
        yield b'", "sector": "x"}'

    response = await served.client.post(
        served.url("/ambassadors"), data=chunks(), headers={"Content-Type": "application/json"}
    )

    assert response.status == 413
    assert (await error_of(response))["code"] == "payload_too_large"


async def test_a_route_may_accept_a_larger_body_than_the_service(served: Served) -> None:
    content = "a" * (2 * sample.MAX_BODY_BYTES)

    accepted = await served.client.post(
        served.url("/uploads"), json={"name": "cv.txt", "content": content}
    )
    refused = await served.client.post(
        served.url("/uploads"), json={"name": "cv.txt", "content": "a" * sample.UPLOAD_MAX_BYTES}
    )

    assert accepted.status == 202
    assert (await accepted.json())["accepted"] == len(content)
    assert refused.status == 413


async def test_unknown_path_is_a_json_404(served: Served) -> None:
    response = await served.client.get(served.url("/nowhere"))

    assert response.status == 404
    error = await error_of(response)
    assert error == {"code": "not_found", "message": "Ressource introuvable."}


async def test_path_outside_the_mounted_service_is_a_json_404_too(served: Served) -> None:
    response = await served.client.get("/api/elsewhere/x")

    assert response.status == 404
    assert (await error_of(response))["code"] == "not_found"


async def test_wrong_method_is_a_405_that_says_what_is_allowed(served: Served) -> None:
    response = await served.client.put(served.url("/items"))

    assert response.status == 405
    assert (await error_of(response))["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


async def test_handler_crash_is_a_500_without_trace_but_logged(
    served: Served, log_lines: LogLines
) -> None:
    response = await served.client.get(served.url("/crash"), headers={"X-Request-Id": "crash-1"})

    assert response.status == 500
    text = await response.text()
    assert "Traceback" not in text
    assert "boom" not in text
    assert "<html" not in text.lower()
    error = await error_of(response)
    assert error["code"] == "internal_error"
    assert error["message"] == "Une erreur interne est survenue. Veuillez réessayer plus tard."
    assert error["details"] == {"request_id": "crash-1"}
    logged = [line for line in log_lines.records() if line["level"] == "ERROR"]
    assert len(logged) == 1
    assert logged[0]["request_id"] == "crash-1"
    assert "RuntimeError: boom" in logged[0]["exception"]


async def test_aiohttp_exception_from_a_handler_becomes_json(served: Served) -> None:
    response = await served.client.get(served.url("/missing-by-aiohttp"))

    assert response.status == 404
    assert (await error_of(response))["code"] == "not_found"


async def test_catalogue_error_carries_its_code_message_and_details(served: Served) -> None:
    response = await served.client.get(served.url("/items/999"))

    assert response.status == 404
    assert await error_of(response) == {
        "code": "item_not_found",
        "message": "Élément introuvable.",
        "details": {"item_id": "999"},
    }


async def test_too_many_requests_tells_when_to_come_back(served: Served) -> None:
    response = await served.client.post(served.url("/sessions"))

    assert response.status == 429
    assert response.headers["Retry-After"] == "42"
    assert (await error_of(response))["code"] == "too_many_requests"


async def test_request_id_is_echoed_or_created(served: Served) -> None:
    given = await served.client.get(served.url("/items"), headers={"X-Request-Id": "abc-123"})
    created = await served.client.get(served.url("/items"))
    forged = await served.client.get(
        served.url("/items"), headers={"X-Request-Id": "x\u2028injected line"}
    )
    failed = await served.client.get(served.url("/nowhere"), headers={"X-Request-Id": "r-404"})

    assert given.headers["X-Request-Id"] == "abc-123"
    assert len(created.headers["X-Request-Id"]) == 32
    assert "injected" not in forged.headers["X-Request-Id"]
    assert failed.headers["X-Request-Id"] == "r-404"


async def test_every_log_line_of_a_request_carries_its_id(
    served: Served, log_lines: LogLines
) -> None:
    await served.client.post(
        served.url("/ambassadors"),
        json={
            "first_name": "Léa",
            "email": "lea@example.org",
            "profile": "student",
            "postcode": "59000",
        },
        headers={"X-Request-Id": "trace-me"},
    )

    lines = [line for line in log_lines.records() if line.get("request_id") == "trace-me"]
    assert {line["logger"] for line in lines} >= {"tests.sample", "aiohttp.access"}
    handler_line = next(line for line in lines if line["logger"] == "tests.sample")
    assert handler_line["email_domain"] == "example.org"
