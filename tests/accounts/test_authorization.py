"""Who may call what: every route of accounts against every kind of caller.

Callers: anonymous, an ambassador, a member of an educational team, a referent of
another territory, a referent of the target ambassador's zone, an admin, the contact
of a partner organization (who manages their own account and nothing else here). « ok »
means the caller got past authorization (any answer but 401 and 403).
"""

from __future__ import annotations

from typing import Any

from tests.accounts.conftest import Serve, pdf_form

CALLERS = (
    "anonymous",
    "ambassador",
    "staff",
    "referent_elsewhere",
    "referent_of_zone",
    "admin",
    "partner",
)
OK = "ok"

# method, path, body, expected per caller (in the order of CALLERS).
MATRIX: list[tuple[str, str, Any, tuple[Any, ...]]] = [
    ("GET", "/charter", None, (OK, OK, OK, OK, OK, OK, OK)),
    ("GET", "/me", None, (401, OK, OK, OK, OK, OK, OK)),
    ("PATCH", "/me", {"phone": "0320000000"}, (401, OK, OK, OK, OK, OK, OK)),
    (
        "PUT",
        "/me/consents",
        {"image_rights": True, "surveys": True},
        (401, OK, OK, OK, OK, OK, OK),
    ),
    ("GET", "/me/export", None, (401, OK, OK, OK, OK, OK, OK)),
    ("GET", "/me/restriction", None, (401, OK, OK, OK, OK, OK, OK)),
    ("POST", "/me/restriction", None, (401, OK, OK, OK, OK, OK, OK)),
    ("DELETE", "/me/restriction", None, (401, OK, OK, OK, OK, OK, OK)),
    ("POST", "/me/criminal-record", "pdf", (401, OK, 403, 403, 403, 403, 403)),
    ("GET", "/ambassadors", None, (401, 403, OK, OK, OK, OK, 403)),
    ("GET", "/ambassadors/{target}", None, (401, 403, OK, OK, OK, OK, 403)),
    (
        "GET",
        "/ambassadors/{target}/criminal-record/document",
        None,
        (401, 403, 403, 403, OK, OK, 403),
    ),
    (
        "POST",
        "/ambassadors/{target}/criminal-record/decision",
        {"decision": "verified"},
        (401, 403, 403, 403, OK, OK, 403),
    ),
    ("GET", "/criminal-records", None, (401, 403, 403, OK, OK, OK, 403)),
    (
        "POST",
        "/ambassadors/{target}/suspension",
        {"reason": "Vérification"},
        (401, 403, 403, 403, OK, OK, 403),
    ),
    ("DELETE", "/ambassadors/{target}/suspension", None, (401, 403, 403, 403, OK, OK, 403)),
    (
        "POST",
        "/referents",
        {
            "first_name": "Zoé",
            "last_name": "Z",
            "email": "{caller}@ref.example.org",
            "territory": {"departments": ["02"]},
        },
        (401, 403, 403, 403, 403, OK, 403),
    ),
    (
        "PUT",
        "/referents/{elsewhere}/territory",
        {"departments": ["80"]},
        (401, 403, 403, 403, 403, OK, 403),
    ),
    (
        "POST",
        "/organizations",
        {"name": "Partenaire {caller}", "kind": "association"},
        (401, 403, 403, OK, OK, OK, 403),
    ),
    ("GET", "/organizations", None, (401, OK, OK, OK, OK, OK, 403)),
    ("GET", "/organizations/{organization}", None, (401, 403, 403, OK, OK, OK, 403)),
    (
        "PATCH",
        "/organizations/{organization}",
        {"partnership_charter_signed_at": "2026-09-01T10:00:00+02:00"},
        (401, 403, 403, OK, OK, OK, 403),
    ),
    (
        "POST",
        "/organizations/{organization}/contacts",
        {"first_name": "Inès", "last_name": "Contact", "email": "{caller}@partner.example.org"},
        (401, 403, 403, OK, OK, OK, 403),
    ),
    ("GET", "/partner-requests", None, (401, 403, 403, 403, 403, OK, 403)),
    ("GET", "/partner-requests/{partner_request}", None, (401, 403, 403, 403, 403, OK, 403)),
    (
        "POST",
        "/partner-requests/{partner_request}/decline",
        None,
        (401, 403, 403, 403, 403, OK, 403),
    ),
    (
        "POST",
        "/partner-requests/{partner_request}/reopen",
        None,
        (401, 403, 403, 403, 403, OK, 403),
    ),
    ("GET", "/erasures", None, (401, 403, 403, 403, 403, OK, 403)),
    ("GET", "/erasures/{target}", None, (401, 403, 403, 403, 403, OK, 403)),
    ("GET", "/audit", None, (401, 403, 403, 403, 403, OK, 403)),
    ("DELETE", "/sessions/current", None, (401, OK, OK, OK, OK, OK, OK)),
]


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {key: _fill(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, names) for item in value]
    return value


async def test_every_route_admits_exactly_the_callers_it_should(serve: Serve) -> None:
    async with serve() as client:
        target, target_token = await client.ambassador("target@example.org")  # Lille Centre
        _, staff = await client.staff("prof@ac-lille.fr")
        elsewhere_id, elsewhere = await client.referent("somme@example.org", ["80"])
        _, of_zone = await client.referent("nord@example.org", ["59"])
        admin = await client.admin_token()
        await client.call("POST", "/me/criminal-record", token=target_token, data=pdf_form())
        organization = await client.call(
            "POST", "/organizations", token=admin, json={"name": "Réseau", "kind": "company"}
        )
        _, partner = await client.partner("contact@reseau.example.org", organization.body["id"])
        partner_request = await client.call(
            "POST",
            "/partner-requests",
            json={"organization_name": "Réseau", "contact_name": "Inès", "email": "i@r.example"},
        )
        tokens = {
            "anonymous": None,
            "ambassador": target_token,
            "staff": staff,
            "referent_elsewhere": elsewhere,
            "referent_of_zone": of_zone,
            "admin": admin,
            "partner": partner,
        }
        mismatches = []
        for method, path, body, expected in MATRIX:
            for caller, wanted in zip(CALLERS, expected, strict=True):
                if path == "/sessions/current" and tokens[caller]:
                    # Signing out ends the session: use a fresh one for that row.
                    email = {
                        "ambassador": "target@example.org",
                        "staff": "prof@ac-lille.fr",
                        "referent_elsewhere": "somme@example.org",
                        "referent_of_zone": "nord@example.org",
                        "partner": "contact@reseau.example.org",
                    }.get(caller)
                    token: str | None = (
                        await client.token(email) if email else await client.admin_token()
                    )
                else:
                    token = tokens[caller]
                names = {
                    "target": target,
                    "elsewhere": elsewhere_id,
                    "organization": organization.body["id"],
                    "partner_request": partner_request.body["id"],
                    "caller": caller.replace("_", "-"),
                }
                url = _fill(path, names)
                if body == "pdf":
                    answer = await client.call(method, url, token=token, data=pdf_form())
                else:
                    answer = await client.call(method, url, token=token, json=_fill(body, names))
                allowed = answer.status not in (401, 403)
                # Only accounts runs here: nobody answers an export, which says so (504).
                unanswered_export = answer.error_code == "export_incomplete"
                if (
                    (answer.status >= 500 and not unanswered_export)
                    or (wanted == OK) != allowed
                    or (wanted != OK and answer.status != wanted)
                ):
                    mismatches.append((method, path, caller, wanted, answer.status, answer.body))
    assert mismatches == []
