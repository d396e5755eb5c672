"""Log lines: one JSON object each, the request id on every one, never a secret."""

from __future__ import annotations

import io
import logging

from shared.logging import REDACTED, configure_logging, redact, redact_text
from shared.settings import Settings
from tests.http.conftest import LogLines, Served, Tokens

PASSWORD = "correct horse battery staple"


async def test_logs_never_contain_a_token_or_a_password(
    served: Served, tokens: Tokens, log_lines: LogLines
) -> None:
    token = tokens.for_role("admin")
    link_token = "Zr8kq1VnXo0pLm3sTqu7"

    await served.client.get(
        served.url(f"/me?token={link_token}&x=1"), headers={"Authorization": f"Bearer {token}"}
    )
    await served.client.post(
        served.url(f"/ambassadors?token={link_token}"),
        json={
            "first_name": "Léa",
            "email": "lea@example.org",
            "profile": "student",
            "postcode": "59000",
            "password": PASSWORD,
        },
    )
    logging.getLogger("tests").warning(
        "password reset link sent: https://example.org/mot-de-passe?token=%s",
        link_token,
        extra={"password": PASSWORD, "payload": {"new_password": PASSWORD, "n": 1}},
    )
    logging.getLogger("tests").info('raw body {"password": "%s"}', PASSWORD)

    text = log_lines.text
    assert token not in text
    assert token.split(".")[1] not in text
    assert link_token not in text
    assert PASSWORD not in text
    records = log_lines.records()
    # The handler logged the Authorization header under a "token" key: redacted.
    assert any(record.get("token") == REDACTED for record in records)
    warning = next(record for record in records if record["level"] == "WARNING")
    assert warning["message"].endswith(f"token={REDACTED}")
    assert warning["payload"] == {"new_password": REDACTED, "n": 1}


async def test_access_log_has_path_status_duration_and_no_query(
    served: Served, log_lines: LogLines
) -> None:
    await served.client.get(
        served.url("/items?limit=0&cursor="), headers={"X-Request-Id": "access-1"}
    )

    access = next(record for record in log_lines.records() if record["logger"] == "aiohttp.access")
    assert access["method"] == "GET"
    assert access["path"] == served.url("/items")
    assert access["status"] == 400
    assert access["request_id"] == "access-1"
    assert access["duration_ms"] >= 0
    assert "limit" not in log_lines.text


def test_text_format_is_one_readable_line() -> None:
    stream = io.StringIO()
    level = logging.getLogger().level
    handler = configure_logging(Settings(log_json=False), stream=stream)
    try:
        logging.getLogger("tests.text").info("hello %s", "Lille", extra={"secret": "s3cr3t"})
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)  # the next tests' captured logs depend on it

    line = stream.getvalue().strip()
    assert "INFO" in line
    assert "tests.text" in line
    assert "hello Lille" in line
    assert "s3cr3t" not in line
    assert f"secret={REDACTED}" in line


def test_configuring_twice_keeps_one_handler() -> None:
    level = logging.getLogger().level
    first = configure_logging(Settings(), stream=io.StringIO())
    second = configure_logging(Settings(), stream=io.StringIO())
    try:
        assert first not in logging.getLogger().handlers
        assert second in logging.getLogger().handlers
    finally:
        logging.getLogger().removeHandler(second)
        logging.getLogger().setLevel(level)


def test_redaction_of_texts_and_structures() -> None:
    assert redact_text("GET /activer?token=abc&lang=fr") == f"GET /activer?token={REDACTED}&lang=fr"
    assert redact_text("Authorization: Bearer abc.def-ghi") == f"Authorization: Bearer {REDACTED}"
    assert redact_text("nothing secret in here") == "nothing secret in here"
    assert redact({"Cookie": "a=b", "user": {"email": "x@y.fr"}, "list": ["ok"]}) == {
        "Cookie": REDACTED,
        "user": {"email": "x@y.fr"},
        "list": ["ok"],
    }
