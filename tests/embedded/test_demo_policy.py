"""The embedded default seeds demo accounts (published passwords) only for a local trial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embedded.__main__ import banner
from embedded.demo_policy import decide
from services.accounts.demo import DEMO_ACCOUNTS
from shared.settings import Settings

[(_, _, ADMIN_PASSWORD)] = [account for account in DEMO_ACCOUNTS if account[0] == "admin"]


def settings(**values: Any) -> Settings:
    """A local trial's settings (whatever this machine's environment says) with ``values``."""
    local: dict[str, Any] = {
        "smtp_host": None,
        "admin_email": None,
        "public_url": "http://127.0.0.1:8080",
        "data_dir": Path("var"),
    }
    return Settings(**{**local, **values})


def test_a_local_trial_gets_demo_accounts_and_is_told_they_stay_on_this_machine() -> None:
    demo = decide(settings(), asked=None)
    printed = banner(settings(), None, demo)

    assert demo.seed
    assert "this machine only" in printed
    assert ADMIN_PASSWORD in printed


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"smtp_host": "smtp.example.org"}, "SMTP_HOST"),
        ({"admin_email": "exploitation@example.org"}, "ADMIN_EMAIL"),
        ({"public_url": "https://prochorientation.example.org"}, "PUBLIC_URL"),
        ({"public_url": "http://192.0.2.10:8080"}, "PUBLIC_URL"),
    ],
)
def test_settings_of_real_use_mean_no_demo_account_even_when_asked(
    values: dict[str, Any], named: str
) -> None:
    for asked in (None, True):
        demo = decide(settings(**values), asked=asked)
        printed = banner(settings(**values), None, demo)

        assert not demo.seed
        assert named in demo.reason
        assert demo.reason in printed
        assert ADMIN_PASSWORD not in printed


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "http://po.localhost"],
)
def test_a_local_public_url_is_no_sign_of_real_use(url: str) -> None:
    assert decide(settings(public_url=url), asked=None).seed


def test_demo_data_false_is_honoured() -> None:
    demo = decide(settings(), asked=False)

    assert not demo.seed
    assert "DEMO_DATA=false" in demo.reason
