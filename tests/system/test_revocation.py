"""A token withdrawn by accounts stops working in every process within seconds.

Access tokens are checked locally for their 15 minutes; these tests prove that a
referent moved to another territory, a deleted account and a signed-out session no
longer open anything a few seconds after accounts said so, in other processes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.conftest import PASSWORD, staff
from tests.system.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TEACHER_EMAIL, Platform

pytestmark = [pytest.mark.broker, pytest.mark.timeout(300)]

REFERENT_EMAIL = "remi.referent@example.org"
# A revocation reaches every service within a second or two; this bounds the wait.
WITHIN = 15


async def _session(p: Platform, email: str) -> dict[str, Any]:
    body = await p.ok("POST", "/api/accounts/sessions", json={"email": email, "password": PASSWORD})
    return dict(body)


async def _refused_everywhere(p: Platform, token: str, paths: list[str], what: str) -> None:
    for path in paths:

        async def refused(path: str = path) -> bool:
            return (await p.call("GET", path, token)).status == 401

        await p.eventually(refused, within=WITHIN, what=f"{path} to refuse {what}")


async def test_a_referent_moved_elsewhere_loses_the_old_territory_within_seconds(
    platform: Platform,
) -> None:
    p = platform
    admin = await p.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
    await p.ok(
        "POST",
        "/api/accounts/referents",
        admin,
        json={
            "first_name": "Rémi",
            "last_name": "Référent",
            "email": REFERENT_EMAIL,
            "territory": {"departments": ["80"], "bassins": []},
        },
    )
    referent_id, _ = await p.join(REFERENT_EMAIL)
    session = await _session(p, REFERENT_EMAIL)
    old = str(session["access_token"])
    somme = "/api/agenda/stats?department=80"
    assert (await p.call("GET", somme, old)).status == 200

    await p.ok(
        "PUT",
        f"/api/accounts/referents/{referent_id}/territory",
        admin,
        json={"departments": ["62"], "bassins": []},
    )
    await _refused_everywhere(
        p,
        old,
        [somme, "/api/messaging/conversations", "/api/accounts/moderation/ambassadors"],
        "the token issued for the Somme",
    )

    # The session itself goes on: a refreshed token carries the new territory.
    renewed = await p.ok(
        "POST", "/api/accounts/sessions/refresh", json={"refresh_token": session["refresh_token"]}
    )
    new = str(renewed["access_token"])
    assert (await p.call("GET", somme, new)).status == 403
    assert (await p.call("GET", "/api/agenda/stats?department=62", new)).status == 200


async def test_a_deleted_account_and_a_signed_out_session_open_nothing_any_more(
    platform: Platform,
) -> None:
    p = platform
    await p.ok("POST", "/api/accounts/staff", json=staff(email=TEACHER_EMAIL))
    await p.join(TEACHER_EMAIL)
    kept, left = await _session(p, TEACHER_EMAIL), await _session(p, TEACHER_EMAIL)
    paths = ["/api/agenda/appointments", "/api/messaging/conversations"]
    for token in (kept["access_token"], left["access_token"]):
        for path in paths:
            assert (await p.call("GET", path, token)).status == 200

    # Signing out ends that session's tokens, not the person's other session.
    signed_out = await p.call("DELETE", "/api/accounts/sessions/current", left["access_token"])
    assert signed_out.status == 204
    await _refused_everywhere(p, left["access_token"], paths, "a signed-out session's token")
    for path in paths:
        assert (await p.call("GET", path, kept["access_token"])).status == 200

    deleted = await p.call("DELETE", "/api/accounts/me", kept["access_token"])
    assert deleted.status == 204
    await _refused_everywhere(p, kept["access_token"], paths, "a deleted account's token")
