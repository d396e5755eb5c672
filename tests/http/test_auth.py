"""Access tokens: who may call what, and the key pair every service verifies with."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer

from shared.http import (
    AccessTokenSigner,
    AccessTokenVerifier,
    ExpiredAccessTokenError,
    InvalidAccessTokenError,
    Principal,
    Revocations,
    Roles,
)
from shared.http.app import root_web_app, service_web_app
from shared.http.auth import RevokedAccessTokenError
from shared.keys import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    KeyPair,
    MissingKeyError,
    generate_key_pair,
    load_key_pair,
    load_verifier_key,
)
from shared.settings import Settings
from tests.fixtures.http import exchange
from tests.http import sample
from tests.http.conftest import Served, Tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_a_401_asking_to_authenticate(served: Served) -> None:
    response = await served.client.get(served.url("/me"))

    assert response.status == 401
    assert (await response.json())["error"] == {
        "code": "unauthorized",
        "message": "Authentification requise.",
    }
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer ", "bearer eyJhbGciOiJub25lIn0.e30."],
)
async def test_unusable_credentials_are_a_401(served: Served, header: str) -> None:
    response = await served.client.get(served.url("/me"), headers={"Authorization": header})

    assert response.status == 401
    assert (await response.json())["error"]["message"] == "Authentification requise."


async def test_a_token_of_bytes_that_are_not_text_is_a_401(served: Served) -> None:
    # No HTTP client sends such a header: the bytes go over a socket as they are.
    request = (
        f"GET {served.url('/me')} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        + b"Authorization: Bearer \xff\xfe.\xc3\r\nConnection: close\r\n\r\n"
    )
    assert served.client.port is not None
    status, _, body = await exchange(served.client.port, request)

    assert status == 401
    assert json.loads(body)["error"]["message"] == "Authentification requise."


async def test_token_signed_with_another_key_is_a_401(served: Served) -> None:
    stranger = AccessTokenSigner(generate_key_pair().private_pem, 900)
    token = stranger.issue(Principal(user_id="u", role="admin", session_id="s"))

    response = await served.client.get(served.url("/me"), headers=bearer(token))

    assert response.status == 401


async def test_expired_token_asks_to_sign_in_again(served: Served, tokens: Tokens) -> None:
    response = await served.client.get(served.url("/me"), headers=bearer(tokens.expired()))

    assert response.status == 401
    assert (await response.json())["error"] == {
        "code": "unauthorized",
        "message": "Session expirée, veuillez vous reconnecter.",
    }
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


async def test_wrong_role_is_a_403(served: Served, tokens: Tokens) -> None:
    response = await served.client.get(
        served.url("/establishment"), headers=bearer(tokens.for_role("ambassador"))
    )

    assert response.status == 403
    assert (await response.json())["error"]["code"] == "forbidden"


async def test_unauthenticated_caller_learns_nothing_from_validation(served: Served) -> None:
    response = await served.client.delete(served.url("/items/12"))

    assert response.status == 401


async def test_good_token_reaches_the_handler_with_its_principal(
    served: Served, tokens: Tokens
) -> None:
    me = await served.client.get(served.url("/me"), headers=bearer(tokens.for_role("referent")))
    staff = await served.client.get(
        served.url("/establishment"), headers=bearer(tokens.for_role("staff"))
    )
    deleted = await served.client.delete(
        served.url("/items/12"), headers=bearer(tokens.for_role("admin"))
    )

    assert me.status == 200
    assert await me.json() == {
        "user_id": "user-referent",
        "role": "referent",
        "session_id": "s-1",
        "establishment_uai": None,
        "establishment_department": None,
        "establishment_bassin": None,
        "territory": {"departments": ["59"], "bassins": ["Douaisis"]},
        "organization_id": None,
    }
    assert staff.status == 200
    assert await staff.json() == ["0590001A", "staff"]
    assert deleted.status == 204


def test_token_claims_follow_the_contract(tokens: Tokens) -> None:
    token = tokens.for_role("partner")

    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})

    assert header["alg"] == "EdDSA"
    assert claims["iss"] == "accounts"
    assert claims["aud"] == "prochorientation"
    assert claims["sub"] == "user-partner"
    assert claims["role"] == "partner"
    assert claims["organization_id"] == "org-1"
    assert 899 < claims["exp"] - claims["iat"] <= 900  # iat to the millisecond
    assert len(claims["jti"]) == 32


def test_verifier_rejects_tampered_and_incomplete_tokens() -> None:
    pair = generate_key_pair()
    verifier = AccessTokenVerifier(pair.public_pem)
    signer = AccessTokenSigner(pair.private_pem, 60)
    good = signer.issue(Principal(user_id="u", role="ambassador", session_id="s"))
    header, _payload, signature = good.split(".")
    forged_payload = jwt.utils.base64url_encode(b'{"sub":"admin","role":"admin"}').decode()
    # Only staff carry an establishment: another role with one is a forged scope.
    foreign_scope = jwt.encode(
        {
            **jwt.decode(good, options={"verify_signature": False}),
            "establishment_uai": "0590001A",
        },
        pair.private_pem,
        algorithm="EdDSA",
    )
    # Staff whose establishment is not proved yet carry none, and no role rule lets
    # them in: checks never run on a missing establishment.
    unproved = jwt.encode(
        {**jwt.decode(good, options={"verify_signature": False}), "role": "staff"},
        pair.private_pem,
        algorithm="EdDSA",
    )

    assert verifier.verify(good).user_id == "u"
    with pytest.raises(InvalidAccessTokenError):
        verifier.verify(f"{header}.{forged_payload}.{signature}")
    with pytest.raises(InvalidAccessTokenError):
        verifier.verify(foreign_scope)
    waiting = verifier.verify(unproved)
    assert waiting.awaits_verification
    assert not Roles("staff", "referent").allows(waiting)


def test_a_token_just_expired_passes_within_the_leeway() -> None:
    pair = generate_key_pair()
    signer = AccessTokenSigner(pair.private_pem, 60)
    token = signer.issue(
        Principal(user_id="u", role="admin", session_id="s"),
        now=datetime.now(UTC) - timedelta(seconds=70),
    )

    assert AccessTokenVerifier(pair.public_pem, leeway=30).verify(token).user_id == "u"
    with pytest.raises(ExpiredAccessTokenError):
        AccessTokenVerifier(pair.public_pem, leeway=0).verify(token)


def test_keys_are_created_once_private_to_their_owner(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)

    with pytest.raises(MissingKeyError):
        load_key_pair(settings)
    created = load_key_pair(settings, create=True)
    again = load_key_pair(settings, create=True)

    private_file = settings.keys_dir / PRIVATE_KEY_FILE
    assert again == created
    assert stat.S_IMODE(private_file.stat().st_mode) == 0o600
    assert (settings.keys_dir / PUBLIC_KEY_FILE).read_text() == created.public_pem
    assert load_verifier_key(settings) == created.public_pem
    assert sorted(path.name for path in settings.keys_dir.iterdir()) == [
        PRIVATE_KEY_FILE,
        PUBLIC_KEY_FILE,
    ]


def test_keys_from_settings_win_and_a_verifier_needs_only_the_public_one(
    tmp_path: Path,
) -> None:
    pair = generate_key_pair()
    signing = Settings(data_dir=tmp_path, access_token_private_key=pair.private_pem)
    verifying = Settings(data_dir=tmp_path, access_token_public_key=pair.public_pem)
    mismatched = Settings(
        data_dir=tmp_path,
        access_token_private_key=pair.private_pem,
        access_token_public_key=generate_key_pair().public_pem,
    )

    assert load_key_pair(signing) == pair
    assert load_verifier_key(verifying) == pair.public_pem
    with pytest.raises(MissingKeyError):
        load_key_pair(verifying)
    with pytest.raises(ValueError, match="ne correspondent pas"):
        load_key_pair(mismatched)
    with pytest.raises(MissingKeyError):
        load_verifier_key(Settings(data_dir=tmp_path / "empty"))
    assert not (tmp_path / "keys").exists()


async def test_verifier_of_the_root_serves_a_mounted_service_without_one(
    key_pair: KeyPair, tokens: Tokens
) -> None:
    service = service_web_app(
        prefix=sample.PREFIX, router=sample.router, verifier=None, max_body_bytes=1024
    )
    root = root_web_app(
        [service], max_body_bytes=1024, verifier=AccessTokenVerifier(key_pair.public_pem)
    )

    async with TestClient(TestServer(root, host="127.0.0.1")) as client:
        response = await client.get(
            f"{sample.PREFIX}/me", headers=bearer(tokens.for_role("ambassador"))
        )

        assert response.status == 200
        assert (await response.json())["role"] == "ambassador"


def test_a_token_accepted_once_is_refused_once_expired() -> None:
    pair = generate_key_pair()
    now = [datetime.now(UTC).timestamp()]
    verifier = AccessTokenVerifier(pair.public_pem, leeway=0, clock=lambda: now[0])
    token = AccessTokenSigner(pair.private_pem, 60).issue(
        Principal(user_id="u", role="admin", session_id="s")
    )

    assert verifier.verify(token).user_id == "u"
    assert verifier.verify(token).user_id == "u"  # remembered, not verified again
    now[0] += 61
    with pytest.raises(ExpiredAccessTokenError):
        verifier.verify(token)


def test_tokens_issued_before_a_revocation_are_refused_later_ones_stand() -> None:
    pair = generate_key_pair()
    now = [datetime.now(UTC)]
    verifier = AccessTokenVerifier(pair.public_pem, clock=lambda: now[0].timestamp())
    signer = AccessTokenSigner(pair.private_pem, 900)

    def issue(session: str) -> str:
        principal = Principal(user_id="u", role="ambassador", session_id=session)
        return signer.issue(principal, now=now[0])

    before, other_session, someone_else = (
        issue("s1"),
        issue("s2"),
        signer.issue(Principal(user_id="v", role="ambassador", session_id="s3"), now=now[0]),
    )
    assert verifier.verify(before).user_id == "u"  # remembered by the verifier
    now[0] += timedelta(seconds=2)

    # One session signed out: its tokens go, the person's other session stays.
    verifier.revocations.note("u", now[0].timestamp(), session_id="s1")
    with pytest.raises(RevokedAccessTokenError):
        verifier.verify(before)
    assert verifier.verify(other_session).session_id == "s2"

    # Every session of the person (a password change): only later tokens stand.
    verifier.revocations.note("u", now[0].timestamp())
    with pytest.raises(ExpiredAccessTokenError):  # answered as expired: clients refresh
        verifier.verify(other_session)
    assert verifier.verify(someone_else).user_id == "v"
    assert verifier.verify(issue("s2")).session_id == "s2"


def test_revocations_are_forgotten_once_no_token_they_withdraw_can_be_valid() -> None:
    now = [1_000_000.0]
    revocations = Revocations(keep_seconds=960, clock=lambda: now[0])
    revocations.note("u", now[0])
    assert revocations.refuses("u", "s", issued_at=now[0] - 1)

    now[0] += 961
    revocations.note("v", now[0])  # noting is when old entries are dropped
    assert len(revocations) == 1
    assert not revocations.refuses("u", "s", issued_at=now[0] - 962)
