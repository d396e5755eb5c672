"""A small service built on shared.http, only for the tests (not a real service)."""

from __future__ import annotations

import logging
from typing import Literal

from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator

from shared.http import (
    Authenticated,
    Call,
    ErrorKind,
    Page,
    PageQuery,
    Principal,
    Roles,
    Router,
    decode_cursor,
    encode_cursor,
    too_many_requests,
)

PREFIX = "/api/sample"
MAX_BODY_BYTES = 64 * 1024
UPLOAD_MAX_BYTES = 256 * 1024

ITEM_NOT_FOUND = ErrorKind(404, "item_not_found", "Élément introuvable.")
NAME_TAKEN = ErrorKind(409, "name_taken", "Ce nom est déjà pris.")

logger = logging.getLogger("tests.sample")
router = Router("sample", title="Service d'exemple", version="1.2.3")


class Job(BaseModel):
    title: str = Field(min_length=2, max_length=80)
    sector: str


class Training(BaseModel):
    name: str
    level: str


class Slot(BaseModel):
    starts_at: AwareDatetime
    duration_minutes: int = Field(gt=0, le=45)


class NewAmbassador(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1)
    email: EmailStr
    profile: Literal["student", "professional", "trainer"]
    postcode: str
    path: Job | Training | None = None
    slots: list[Slot] = Field(default_factory=list, max_length=3)
    group_size: int = Field(1, ge=1, le=40)
    password: str | None = None

    @field_validator("postcode")
    @classmethod
    def _five_digits(cls, value: str) -> str:
        if not (len(value) == 5 and value.isdigit()):
            raise ValueError("Le code postal doit compter 5 chiffres.")
        return value


class Document(BaseModel):
    name: str
    content: str


class Created(BaseModel):
    id: str
    status: str


class Item(BaseModel):
    id: int
    name: str


class ItemQuery(PageQuery):
    department: Literal["02", "59", "60", "62", "80"] | None = None
    tag: list[str] = Field(default_factory=list)
    since: AwareDatetime | None = None


ITEMS = [Item(id=number, name=f"élément {number}") for number in range(1, 46)]


@router.post(
    "/ambassadors",
    summary="Inscrire un ambassadeur",
    body=NewAmbassador,
    response=Created,
    status=201,
    errors=[NAME_TAKEN],
)
async def sign_up(call: Call[NewAmbassador, None]) -> Created:
    logger.info("sign-up", extra={"email_domain": call.body.email.split("@")[1]})
    if call.body.first_name == "Pris":
        raise NAME_TAKEN.error(field="first_name")
    call.response_headers["Location"] = f"{PREFIX}/ambassadors/a1"
    return Created(id="a1", status="pending_confirmation")


@router.get("/items", summary="Lister les éléments", query=ItemQuery, response=Page[Item])
async def list_items(call: Call[None, ItemQuery]) -> Page[Item]:
    # In-memory keyset pagination on id, enough to exercise the cursor round-trip.
    after = decode_cursor(call.query.cursor, length=1)[0] if call.query.cursor else 0
    following = [item for item in ITEMS if item.id > after]
    page = following[: call.query.limit]
    more = len(following) > call.query.limit
    return Page(items=page, next_cursor=encode_cursor([page[-1].id]) if more else None)


@router.get("/items/{item_id}", summary="Un élément", response=Item, errors=[ITEM_NOT_FOUND])
async def get_item(call: Call[None, None]) -> Item:
    for item in ITEMS:
        if str(item.id) == call.path("item_id"):
            return item
    raise ITEM_NOT_FOUND.error(item_id=call.path("item_id"))


@router.delete("/items/{item_id:\\d+}", summary="Supprimer un élément", auth=Roles("admin"))
async def delete_item(call: Call[None, None]) -> None:
    return None


@router.get("/me", summary="Qui suis-je", response=Principal, auth=Authenticated())
async def who_am_i(call: Call[None, None]) -> Principal:
    logger.info("who am I", extra={"token": call.request.headers.get("Authorization")})
    return call.user


@router.get(
    "/establishment",
    summary="Mon établissement",
    response=list[str],
    auth=Roles("staff", "referent"),
)
async def my_establishment(call: Call[None, None]) -> list[str]:
    return [call.user.establishment_uai or "", call.user.role]


@router.get("/crash", summary="Un bogue")
async def crash(call: Call[None, None]) -> None:
    raise RuntimeError("boom: internal detail the client must not see")


@router.get("/missing-by-aiohttp", summary="Une 404 levée par aiohttp")
async def aiohttp_not_found(call: Call[None, None]) -> None:
    raise web.HTTPNotFound(text="<html>not found</html>")


@router.post("/sessions", summary="Trop de tentatives")
async def limited(call: Call[None, None]) -> None:
    raise too_many_requests(42)


@router.post(
    "/uploads",
    summary="Envoyer un document",
    body=Document,
    status=202,
    max_body_bytes=UPLOAD_MAX_BYTES,
)
async def upload(call: Call[Document, None]) -> web.StreamResponse:
    return web.json_response({"accepted": len(call.body.content)}, status=202)
