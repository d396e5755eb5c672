"""Access tokens: signed by accounts (Ed25519), checked by every service locally.

An access token is a JWT (``alg: EdDSA``) whose claims describe a :class:`Principal`:
who the caller is and what scope their role gives them (establishment, territory,
organization). Verification needs only the public key: no call to accounts.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Self, get_args

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from shared.http.errors import FORBIDDEN, SESSION_EXPIRED, STAFF_NOT_VERIFIED, UNAUTHORIZED
from shared.http.revocations import Revocations

Role = Literal["ambassador", "staff", "referent", "admin", "partner"]
ROLES: frozenset[str] = frozenset(get_args(Role))

ISSUER = "accounts"
AUDIENCE = "prochorientation"
ALGORITHM = "EdDSA"
# Revocations are kept while a token issued before them may still be valid; when the
# verifier is not told the tokens' lifetime, an hour (they live 15 minutes).
MAX_TOKEN_SECONDS = 3600


class Territory(BaseModel):
    """A referent's territory: departments (``"59"``) and Nord's bassins."""

    model_config = ConfigDict(frozen=True)

    # Tuples: a principal is shared between requests (see the verifier's cache).
    departments: tuple[str, ...] = ()
    bassins: tuple[str, ...] = ()


# Principal fields that a token carries as claims of the same name, when they are set.
_SCOPE_CLAIMS = (
    "establishment_uai",
    "establishment_department",
    "establishment_bassin",
    "territory",
    "organization_id",
)


class Principal(BaseModel):
    """The authenticated caller, as the access token describes them."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    role: Role
    session_id: str
    # Staff: their establishment, once their attachment to it is proved (an academic
    # address or a referent's approval); its department and Nord's bassin, from the
    # reference data, so that a request's zone never rests on the requester's word.
    establishment_uai: str | None = None
    establishment_department: str | None = None
    establishment_bassin: str | None = None
    territory: Territory | None = None  # referent: where they act
    organization_id: str | None = None  # partner: their organization

    @property
    def awaits_verification(self) -> bool:
        """A member of an educational team whose establishment is not proved yet."""
        return self.role == "staff" and self.establishment_uai is None

    @model_validator(mode="after")
    def _scope_matches_role(self) -> Self:
        # A token without the scope its role needs would let checks pass on None;
        # unproved staff carry none and are refused by every role rule (see ``Roles``).
        if self.role != "staff" and self.establishment_uai is not None:
            raise ValueError("seul un membre d'équipe éducative a un établissement")
        if self.role == "referent" and self.territory is None:
            raise ValueError("un référent a un territoire")
        if self.role == "partner" and not self.organization_id:
            raise ValueError("un partenaire a une organisation")
        return self


class InvalidAccessTokenError(Exception):
    """The token is absent, malformed, forged, for another audience, or not yet valid."""


class ExpiredAccessTokenError(InvalidAccessTokenError):
    """The token was genuine but its lifetime is over."""


class RevokedAccessTokenError(ExpiredAccessTokenError):
    """Withdrawn before its expiry: answered as expired, so that the client refreshes
    (and gets what is true now, or learns that its session is over)."""


def _as_bytes(pem: str | bytes) -> bytes:
    return pem.encode() if isinstance(pem, str) else pem


class AccessTokenSigner:
    """Issues access tokens; only the accounts service holds the private key."""

    def __init__(self, private_key_pem: str | bytes, ttl: timedelta | int) -> None:
        key = load_pem_private_key(_as_bytes(private_key_pem), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("la clé privée des jetons d'accès doit être une clé Ed25519")
        self._key = key
        self.ttl = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)

    def issue(self, principal: Principal, *, now: datetime | None = None) -> str:
        """A signed token for ``principal``, valid ``ttl`` from ``now``."""
        issued_at = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": principal.user_id,
            "role": principal.role,
            "sid": principal.session_id,
            # To the millisecond, rounded up: a token refreshed in the same second as a
            # revocation (stored to the millisecond) stands.
            "iat": math.ceil(issued_at.timestamp() * 1000) / 1000,
            "exp": int((issued_at + self.ttl).timestamp()),
            "jti": uuid.uuid4().hex,
        }
        if principal.establishment_uai is not None:
            claims["establishment_uai"] = principal.establishment_uai
            claims["establishment_department"] = principal.establishment_department
            claims["establishment_bassin"] = principal.establishment_bassin
        if principal.territory is not None:
            claims["territory"] = principal.territory.model_dump()
        if principal.organization_id is not None:
            claims["organization_id"] = principal.organization_id
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)


class AccessTokenVerifier:
    """Checks access tokens locally with the public key; a small leeway absorbs clock skew."""

    def __init__(
        self,
        public_key_pem: str | bytes,
        *,
        leeway: timedelta | int = 30,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
        revocations: Revocations | None = None,
    ) -> None:
        key = load_pem_public_key(_as_bytes(public_key_pem))
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("la clé publique des jetons d'accès doit être une clé Ed25519")
        self._key = key
        self.leeway = leeway if isinstance(leeway, timedelta) else timedelta(seconds=leeway)
        # A client sends the same token for its whole lifetime, and a signature check
        # costs ~10 times a whole request here: remember tokens already verified (the
        # exact string), and still check their expiry on each use.
        self._verified: dict[str, tuple[Principal, float, float]] = {}
        self._cache_size = cache_size
        self._clock = clock
        self.revocations = revocations or Revocations(
            self.leeway.total_seconds() + MAX_TOKEN_SECONDS, clock=clock
        )

    def verify(self, token: str) -> Principal:
        """The principal of a valid token; raises ``ExpiredAccessTokenError`` or
        ``InvalidAccessTokenError`` otherwise."""
        known = self._verified.get(token)
        if known is not None:
            principal, expires_at, issued_at = known
            if self._clock() >= expires_at + self.leeway.total_seconds():
                del self._verified[token]
                raise ExpiredAccessTokenError("expired")
        else:
            principal, expires_at, issued_at = self._verify_signed(token)
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]  # the oldest entry
            self._verified[token] = (principal, expires_at, issued_at)
        if self.revocations.refuses(principal.user_id, principal.session_id, issued_at):
            raise RevokedAccessTokenError("revoked")
        return principal

    def _verify_signed(self, token: str) -> tuple[Principal, float, float]:
        if not token.isascii():
            # A token is base64url and dots; other bytes of a header reach us as
            # surrogates, which the JWT library cannot even encode.
            raise InvalidAccessTokenError("not ascii")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # never trust the token's own "alg"
                audience=AUDIENCE,
                issuer=ISSUER,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "jti", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise ExpiredAccessTokenError("expired") from None
        except jwt.PyJWTError as exc:
            raise InvalidAccessTokenError(type(exc).__name__) from None
        try:
            principal = Principal(
                user_id=claims["sub"],
                role=claims.get("role"),
                session_id=claims.get("sid"),
                **{name: claims.get(name) for name in _SCOPE_CLAIMS},
            )
            return principal, float(claims["exp"]), float(claims["iat"])
        except (ValidationError, TypeError, ValueError):
            raise InvalidAccessTokenError("claims") from None


TOKEN_VERIFIER: web.AppKey[AccessTokenVerifier] = web.AppKey("token_verifier", AccessTokenVerifier)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """Auth rule: any signed-in user."""

    def allows(self, principal: Principal) -> bool:
        """Every authenticated principal passes."""
        return True

    def describe(self) -> str:
        """For the OpenAPI document."""
        return "Authentification requise."


@dataclass(frozen=True, slots=True, init=False)
class Roles:
    """Auth rule: a signed-in user with one of these roles."""

    roles: frozenset[str]

    def __init__(self, *roles: Role) -> None:
        unknown = set(roles) - ROLES
        if not roles or unknown:
            raise ValueError(f"unknown or missing roles: {sorted(unknown)}")
        object.__setattr__(self, "roles", frozenset(roles))

    def allows(self, principal: Principal) -> bool:
        """Whether the principal's role is one of the rule's; a member of an educational
        team acts in a role only once their establishment is proved."""
        return principal.role in self.roles and not principal.awaits_verification

    def describe(self) -> str:
        """For the OpenAPI document."""
        return "Rôles autorisés : " + ", ".join(sorted(self.roles)) + "."


AuthRule = Authenticated | Roles


def bearer_token(request: web.Request) -> str | None:
    """The token of ``Authorization: Bearer …``, or None when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _challenge(error: str | None = None) -> dict[str, str]:
    value = 'Bearer realm="prochorientation"'
    if error:
        value += f', error="{error}"'
    return {"WWW-Authenticate": value}


def authenticate(request: web.Request, rule: AuthRule) -> Principal:
    """The caller allowed by ``rule``, or the 401/403 ``ApiError`` to answer.

    The verifier is looked up from the sub-application up to the root, so a service
    mounted under the gateway and a service served alone both find theirs.
    """
    token = bearer_token(request)
    if token is None:
        raise UNAUTHORIZED.error(headers=_challenge())
    verifier = request.config_dict[TOKEN_VERIFIER]
    try:
        principal = verifier.verify(token)
    except ExpiredAccessTokenError:
        raise SESSION_EXPIRED.error(headers=_challenge("invalid_token")) from None
    except InvalidAccessTokenError:
        raise UNAUTHORIZED.error(headers=_challenge("invalid_token")) from None
    if not rule.allows(principal):
        if principal.awaits_verification and isinstance(rule, Roles) and "staff" in rule.roles:
            raise STAFF_NOT_VERIFIED.error()
        raise FORBIDDEN.error()
    return principal
