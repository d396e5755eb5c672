"""Settings of accounts alone (``ACCOUNTS_*`` environment variables).

They tune protections (rate limits, upload size, password hashing) and the periods of
the programme's personal-data rules rather than the platform's contract, so they stay
out of the shared ``Settings``; tests lower the thresholds to reach a lock-out in a
few attempts and shorten the periods (days are decimal: 0.0001 day is 8.64 s).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The requests counted per client address and per key they name (see ``request_limits``).
LimitedAction = Literal["signup", "reset", "link_renewal", "partner_request"]


class AccountsSettings(BaseSettings):
    """Rate limits, trusted proxies, upload limits and data periods of accounts."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNTS_", case_sensitive=False, extra="ignore")

    # Sign-in attempts are counted in fixed windows, each reserved before the password
    # is checked: per account from one client address (``*_account``) and per client
    # address across accounts (``*_address``); a right password gives its attempt back.
    login_window_seconds: int = Field(900, gt=0)
    # From this many attempts in a window, every further attempt waits a little longer
    # (one more second per attempt, at most ``login_max_delay_seconds``)…
    login_slow_after_account: int = Field(3, ge=0)
    login_slow_after_address: int = Field(10, ge=0)
    login_max_delay_seconds: float = Field(5.0, ge=0)
    # …and from this many, attempts are refused with 429 until the window ends. Another
    # address keeps its own budget on the account: guesses cannot lock its owner out.
    login_lock_after_account: int = Field(10, gt=0)
    login_lock_after_address: int = Field(50, gt=0)
    # This many failures on one account from all addresses together: the account is
    # under attack; only addresses that have not tried it yet get an attempt.
    login_attack_after_account: int = Field(20, gt=0)
    # Lost-password requests accepted per window, per email and per client address.
    reset_window_seconds: int = Field(3_600, gt=0)
    reset_requests_per_email: int = Field(3, gt=0)
    reset_requests_per_address: int = Field(20, gt=0)
    # New links asked in place of expired ones (same window): per link, per client address.
    link_renewals_per_link: int = Field(3, gt=0)
    link_renewals_per_address: int = Field(20, gt=0)
    # Sign-ups accepted per window per client address (stops mass account creation).
    signup_requests_per_address: int = Field(30, gt=0)
    # Partnership requests accepted per hour, per client address and per contact email
    # (anonymous: a bound keeps the programme's inbox of requests readable).
    partner_requests_per_address: int = Field(10, gt=0)
    partner_requests_per_email: int = Field(3, gt=0)
    # A partnership request (a contact's name, email, phone) is kept this long.
    partner_request_retention_days: float = Field(365, gt=0)
    # Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For is
    # believed: the gateway and the site, which passes on its visitors' addresses. Only
    # this host can connect from loopback, where the embedded default's site calls from.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["127.0.0.1", "::1"]
    )
    # An address at one of these domains (or a sub-domain) proves that a member of an
    # educational team works there; anyone else waits for a referent's approval.
    staff_academic_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["ac-lille.fr", "ac-amiens.fr"]
    )
    # Criminal-record extracts: at most this size (the API contract says 5 MB).
    record_max_bytes: int = Field(5 * 1024 * 1024, gt=0)
    # argon2id hashes computed at once: each takes 64 MiB, so bound the memory.
    hashing_concurrency: int = Field(4, gt=0)

    # A verified criminal-record check is valid this long; the ambassador is asked for
    # a new extract ``record_renewal_notice_days`` before it ends.
    record_check_validity_days: float = Field(3 * 365, gt=0)
    record_renewal_notice_days: float = Field(30, ge=0)
    # An account without any sign-in for this long is warned by email, then deleted
    # ``inactivity_grace_days`` later if still nobody signed in (retention).
    inactivity_warning_days: float = Field(3 * 365, gt=0)
    inactivity_grace_days: float = Field(30, gt=0)
    # An account never activated is deleted this long after its sign-up (or its
    # creation by an admin): past the 12 h link, « mot de passe perdu » still activates
    # it for a while, then its data goes.
    unconfirmed_retention_days: float = Field(30, gt=0)
    # How often the background rules (record expiry, retention) look for due work.
    lifecycle_poll_seconds: float = Field(60.0, gt=0)
    # GET /me/export waits this long for every service's part before answering 504.
    export_timeout_seconds: float = Field(10.0, gt=0)
    # An unanswered export request is reused by a new GET /me/export for this long, so
    # a retry collects the parts that arrived late instead of asking everyone again.
    export_reuse_seconds: float = Field(600.0, ge=0)
    # Reads of people's data by referents and admins stay in the audit log this long.
    audit_retention_days: float = Field(365, gt=0)

    def request_limits(self, action: LimitedAction) -> tuple[int, dict[str, int]]:
        """The counting window of ``action``, in seconds, and how many of its requests
        each kind of key (a client address, an email, a link) may make in one."""
        # Sign-ups and partnership requests are counted per hour.
        limits: dict[LimitedAction, tuple[int, dict[str, int]]] = {
            "signup": (3_600, {"address": self.signup_requests_per_address}),
            "reset": (
                self.reset_window_seconds,
                {
                    "address": self.reset_requests_per_address,
                    "email": self.reset_requests_per_email,
                },
            ),
            "link_renewal": (
                self.reset_window_seconds,
                {"link": self.link_renewals_per_link, "address": self.link_renewals_per_address},
            ),
            "partner_request": (
                3_600,
                {
                    "address": self.partner_requests_per_address,
                    "email": self.partner_requests_per_email,
                },
            ),
        }
        return limits[action]

    @field_validator("staff_academic_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        # "ac-lille.fr,ac-amiens.fr" from the environment, as lower-case domains.
        parts = value.split(",") if isinstance(value, str) else value
        if not isinstance(parts, list):
            return value
        return [str(part).strip().lower().strip(".") for part in parts if str(part).strip()]

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_addresses(cls, value: object) -> object:
        # Accept "10.0.0.2,10.0.0.3" from the environment as well as a list.
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for entry in value if isinstance(value, list) else []:
            ipaddress.ip_network(entry, strict=False)  # a typo stops the start-up
        return value
