"""Request and response bodies of the joining routes and of the public catalogue."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.http import StrictBody


class Registered(BaseModel):
    """Answer to a sign-up: the link is on its way."""

    id: str
    status: Literal["pending_confirmation"] = "pending_confirmation"


class Charter(BaseModel):
    """The ambassadors' charter in force."""

    version: str
    title: str
    text: str


class Sector(BaseModel):
    """A professional sector of the directory."""

    slug: str
    name: str


class Place(BaseModel):
    """A department or a bassin."""

    code: str
    name: str
    department: str | None = None


class Places(BaseModel):
    """The territory of the programme."""

    departments: list[Place]
    bassins: list[Place]


# What a person types or pastes, checked for size only (the use cases check the rest).
EmailedToken = Annotated[str, Field(min_length=10, max_length=200)]
TypedPassword = Annotated[str, Field(min_length=1, max_length=1024)]
TypedEmail = Annotated[str, Field(min_length=1, max_length=254)]


class LinkAndPassword(StrictBody):
    """A token from an emailed link, and the password to set."""

    token: EmailedToken
    password: TypedPassword


class LinkOnly(StrictBody):
    """A token from an emailed link."""

    token: EmailedToken


class ResetRequest(StrictBody):
    """Ask for a lost-password link."""

    email: TypedEmail
