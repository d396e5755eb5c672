"""The public contract: every accounts route of API.md is served and documented."""

from __future__ import annotations

from tests.accounts.conftest import Serve

API_MD_ROUTES = {
    ("post", "/ambassadors"),
    ("get", "/charter"),
    ("post", "/staff"),
    ("post", "/confirmations"),
    ("post", "/password-resets"),
    ("post", "/password-resets/confirm"),
    ("post", "/sessions"),
    ("post", "/sessions/refresh"),
    ("delete", "/sessions/current"),
    ("get", "/me"),
    ("patch", "/me"),
    ("post", "/me/email"),
    ("post", "/email-changes/confirm"),
    ("delete", "/me"),
    ("get", "/me/export"),
    ("put", "/me/consents"),
    ("post", "/me/criminal-record"),
    ("get", "/ambassadors"),
    ("get", "/ambassadors/{id}"),
    ("post", "/ambassadors/{id}/criminal-record/decision"),
    ("post", "/ambassadors/{id}/suspension"),
    ("delete", "/ambassadors/{id}/suspension"),
    ("post", "/referents"),
    ("post", "/organizations"),
    ("get", "/organizations/{id}"),
}


async def test_openapi_documents_every_route_of_the_contract(serve: Serve) -> None:
    async with serve() as client:
        answer = await client.call("GET", "/openapi.json")
        health = await client.call("GET", "/health")
    assert answer.status == 200
    served = {(method, path) for path, item in answer.body["paths"].items() for method in item}
    assert served >= API_MD_ROUTES
    sign_up = answer.body["paths"]["/ambassadors"]["post"]
    assert "requestBody" in sign_up
    assert health.status == 200
