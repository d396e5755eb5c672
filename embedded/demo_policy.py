"""Whether the embedded default seeds its demo accounts, and the start-up line saying so.

The demo accounts' passwords are published (printed at start-up, written in the
code). Settings that only a real installation gives (an SMTP server, an admin's
address, a public address that is not this machine) mean real people may use the
platform: then no demo account is created, even when ``DEMO_DATA`` asks for them.
Wherever they exist, accounts lets them sign in from this machine only.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.settings import Settings


@dataclass(frozen=True)
class DemoDecision:
    """Whether to seed the demo accounts, and why (the line printed at start-up)."""

    seed: bool
    reason: str


def real_use_signs(settings: Settings) -> list[str]:
    """The settings that say the platform is set up for real use."""
    signs = []
    if settings.smtp_host:
        signs.append("SMTP_HOST")
    if settings.admin_email:
        signs.append("ADMIN_EMAIL")
    if not is_local_url(settings.public_url):
        signs.append("PUBLIC_URL")
    return signs


def is_local_url(url: str) -> bool:
    """Whether ``url`` points at this machine (localhost, a loopback address)."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def decide(settings: Settings, *, asked: bool | None) -> DemoDecision:
    """Seed or not; ``asked`` is ``DEMO_DATA`` when it is set, None otherwise."""
    signs = real_use_signs(settings)
    if signs:
        given = ", ".join(signs)
        return DemoDecision(
            False, f"Demo accounts: none ({given} given: the platform is set up for real use)."
        )
    if asked is False:
        return DemoDecision(False, "Demo accounts: none (DEMO_DATA=false).")
    return DemoDecision(
        True,
        "Demo accounts: fictional people with the published passwords below; "
        "they sign in from this machine only.",
    )
