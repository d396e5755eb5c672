"""Reading ``Authentication-Results`` (RFC 8601) and the verdict drawn from them."""

from __future__ import annotations

import pytest

from services.messaging.inbound.authentication import Result, parse, verdict

TRUSTED = "mx.prochorientation.test"


def test_a_header_is_read_with_comments_quotes_and_versions() -> None:
    value = (
        'MX.Prochorientation.test 1; dkim=pass (2048-bit key; "unprotected") '
        'header.d=Exemple.fr header.b="ab;cd"; spf/1=pass (sender (nested) ok) '
        "smtp.mailfrom=karim@exemple.fr;\r\n\tdmarc=fail (p=REJECT) header.from=exemple.fr"
    )

    assert parse(value) == (
        TRUSTED,
        [
            Result("dkim", "pass", {"header.d": "exemple.fr", "header.b": "ab;cd"}),
            Result("spf", "pass", {"smtp.mailfrom": "karim@exemple.fr"}),
            Result("dmarc", "fail", {"header.from": "exemple.fr"}),
        ],
    )
    assert parse(f"{TRUSTED}; none") == (TRUSTED, [])


@pytest.mark.parametrize(
    ("headers", "passed", "reason"),
    [
        ([f"{TRUSTED}; dmarc=pass; spf=fail"], True, "dmarc=pass"),
        ([f"{TRUSTED}; dmarc=fail; spf=pass; dkim=pass"], False, "dmarc=fail"),
        ([f"{TRUSTED}; dmarc=none; spf=pass"], True, "spf=pass"),
        ([f"{TRUSTED}; spf=softfail; dkim=pass header.d=exemple.fr"], True, "dkim=pass"),
        ([f"{TRUSTED}; spf=softfail; dkim=pass header.d=mail.exemple.fr"], True, "dkim=pass"),
        ([f"{TRUSTED}; spf=none; dkim=pass header.d=autre.example"], False, "neither"),
        ([f"{TRUSTED}; spf=fail; dkim=fail"], False, "neither"),
        ([f"{TRUSTED}; none"], False, "no authentication result"),
        (["mx.attaquant.example; dmarc=pass"], False, "no authentication result"),
        ([], False, "no authentication result"),
        # OpenDKIM, then OpenDMARC, each with its own header under the same name.
        ([f"{TRUSTED}; dkim=pass header.d=exemple.fr", f"{TRUSTED}; dmarc=pass"], True, "dmarc"),
        # A pass written under the trusted name does not hide the server's failure.
        ([f"{TRUSTED}; dmarc=pass", f"{TRUSTED}; dmarc=fail"], False, "dmarc=fail"),
        ([f"{TRUSTED}; spf=pass", f"{TRUSTED}; spf=fail"], False, "neither"),
    ],
)
def test_verdict(headers: list[str], passed: bool, reason: str) -> None:
    checked = verdict(headers, TRUSTED, "exemple.fr")

    assert checked.passed is passed
    assert checked.reason.startswith(reason)
