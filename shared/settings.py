"""Settings read from the environment, with the embedded default as fallback.

Every variable of the public contract (API.md) is here with its documented default,
so a service, a test or the embedded platform reads the same names.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import BeforeValidator, Field
from pydantic_settings import (
    NoDecode,
    SettingsConfigDict,
)

from shared.secret_files import SettingsWithSecretFiles


def _split_seconds(value: object) -> object:
    # Accept "1,5,30" from the environment as well as a list.
    if isinstance(value, str):
        return [float(part) for part in value.split(",") if part.strip()]
    return value


# Delays in seconds, given comma-separated in the environment ("1,5,30").
Delays = Annotated[list[float], NoDecode, BeforeValidator(_split_seconds)]


class Settings(SettingsWithSecretFiles):
    """Platform settings; each field maps to the upper-case environment variable."""

    # An empty variable (as compose files often pass) means "unset".
    model_config = SettingsConfigDict(
        env_prefix="", case_sensitive=False, extra="ignore", env_ignore_empty=True
    )

    public_url: str = "http://127.0.0.1:8080"
    # One node's URL, or a cluster's nodes comma-separated (``shared.bus.failover``).
    amqp_url: str | None = None
    mongo_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Proch'Orientation <ne-pas-repondre@prochorientation.localhost>"
    # DKIM signature of every outgoing email (the notifier's): the signing domain, the
    # selector naming the key in the DNS (<selector>._domainkey.<domain>) and the RSA
    # private key in PEM, given as text or as a file. None set: mail goes unsigned.
    dkim_domain: str | None = None
    dkim_selector: str | None = None
    dkim_private_key: str | None = None
    dkim_private_key_file: Path | None = None

    confirmation_ttl_seconds: int = Field(43_200, gt=0)
    reset_ttl_seconds: int = Field(300, gt=0)
    reminder_after_seconds: int = Field(172_800, gt=0)
    escalate_after_seconds: int = Field(432_000, gt=0)
    relay_domain: str = "relay.localhost"
    relay_smtp_port: int = 2525
    # Where messaging's inbound SMTP listens (0.0.0.0 in a container).
    relay_smtp_host: str = "127.0.0.1"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    data_dir: Path = Path("./var")
    admin_email: str | None = None
    admin_password: str | None = None
    require_record_check: bool = True
    # Seed fictional demo accounts at start-up (the embedded default turns it on).
    demo_data: bool = False

    # Names every database "<prefix><service>"; tests use it for a fresh database per test.
    database_prefix: str = ""
    # Names every exchange and queue "<prefix>…"; tests use it for isolated topologies.
    bus_prefix: str = "po"
    # Delays (seconds) between attempts of a failing event handler; after the last
    # one the message is parked. Tests shorten them.
    bus_retry_delays: Delays = Field(default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0])
    bus_prefetch: int = Field(64, gt=0)
    # How often the outbox relay looks for entries nobody published (crash recovery).
    outbox_sweep_seconds: float = Field(2.0, gt=0)
    # How long the events a process wrote stay reserved to it: when it dies, how late
    # another replica publishes them.
    outbox_lease_seconds: float = Field(10.0, gt=0)

    access_token_ttl_seconds: int = Field(900, gt=0)
    refresh_token_ttl_seconds: int = Field(30 * 86_400, gt=0)
    # Ed25519 keys (PEM). Accounts signs with the private key; every service verifies
    # with the public key. Unset: read from (or created in) DATA_DIR/keys.
    access_token_private_key: str | None = None
    access_token_public_key: str | None = None

    max_body_bytes: int = Field(1_048_576, gt=0)
    log_level: str = "INFO"
    log_json: bool = True

    # Settings that may carry a secret: each also reads ``NAME_FILE`` (the value in a
    # file, see ``shared.secret_files``). The URLs may hold a user and password.
    SECRET_FIELDS: ClassVar[tuple[str, ...]] = (
        "access_token_private_key",
        "access_token_public_key",
        "smtp_password",
        "smtp_username",
        "admin_password",
        "mongo_url",
        "amqp_url",
    )

    @cached_property
    def keys_dir(self) -> Path:
        """Folder holding the access-token key pair when none is given."""
        return self.data_dir / "keys"

    def database_name(self, service: str) -> str:
        """Name of a service's own database."""
        return f"{self.database_prefix}{service}"
