"""Request and response bodies of the session routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from services.accounts.api.joining_models import TypedEmail, TypedPassword
from services.accounts.shapes.sessions import SessionTokens
from shared.http import StrictBody


class Credentials(StrictBody):
    """Sign in."""

    email: TypedEmail
    password: TypedPassword


class RefreshRequest(StrictBody):
    """Exchange a refresh token for a new pair (the old one stops working)."""

    refresh_token: Annotated[str, Field(min_length=10, max_length=300)]


class Activated(SessionTokens):
    """The account is active and its first session open (the link proved the mailbox).

    The tokens are those of ``POST /sessions``: whoever just chose the password is
    signed in without typing it again.
    """

    id: str
    role: str
    status: Literal["active"] = "active"


class Accepted(BaseModel):
    """The request is taken: an email follows (or, to keep who has an account private,
    nothing happens, with the same answer)."""

    status: Literal["accepted"] = "accepted"
