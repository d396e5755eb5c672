"""A route group gives its routes a default auth rule and errors they all may answer."""

from __future__ import annotations

from pydantic import BaseModel

from shared.http import Authenticated, Call, ErrorKind, Roles, Router

ITEM_NOT_FOUND = ErrorKind(404, "item_not_found", "Élément introuvable.")
SESSION_ENDED = ErrorKind(401, "session_ended", "Session terminée.")


class Item(BaseModel):
    name: str


async def show(call: Call[None, None]) -> Item:
    return Item(name="un")


async def rename(call: Call[Item, None]) -> Item:
    return call.body


async def remove(call: Call[None, None]) -> None:
    return None


def test_group_routes_take_its_auth_and_list_its_errors_after_their_own() -> None:
    router = Router("sample", title="Exemple", version="1")
    signed_in = router.group(auth=Authenticated(), errors=[SESSION_ENDED])

    signed_in.get("/items/{id}", summary="Un élément", errors=[ITEM_NOT_FOUND])(show)
    signed_in.delete("/items/{id}", summary="Supprimer")(remove)

    shown, removed = router.operations
    assert isinstance(shown.auth, Authenticated)
    assert shown.errors == (ITEM_NOT_FOUND, SESSION_ENDED)
    assert shown.response is Item
    assert (removed.method, removed.status, removed.errors) == ("DELETE", 204, (SESSION_ENDED,))


def test_a_route_of_a_group_keeps_its_own_auth_rule() -> None:
    router = Router("sample", title="Exemple", version="1")
    signed_in = router.group(auth=Authenticated())
    admins = Roles("admin")

    signed_in.patch("/items/{id}", summary="Renommer", auth=admins)(rename)
    signed_in.post("/items/{id}/public", summary="Publier", auth=None)(remove)

    renamed, published = router.operations
    assert renamed.auth is admins
    assert renamed.body is Item
    assert renamed.errors == ()
    assert published.auth is None


def test_a_group_without_defaults_registers_routes_as_the_router_does() -> None:
    grouped, plain = (Router("sample", title="Exemple", version="1") for _ in range(2))

    grouped.group().put("/items/{id}", summary="Remplacer", errors=[ITEM_NOT_FOUND])(rename)
    plain.put("/items/{id}", summary="Remplacer", errors=[ITEM_NOT_FOUND])(rename)

    assert grouped.operations == plain.operations
    assert grouped.openapi() == plain.openapi()
