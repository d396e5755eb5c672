"""A DKIM key made for the tests, and the DNS answer that publishes it (no DNS needed)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

DOMAIN = "prochorientation.fr"
SELECTOR = "po2026"


@cache
def private_pem(bits: int = 2048) -> str:
    """An RSA private key in PKCS#8 PEM, as ``openssl genpkey`` writes it."""
    key = rsa.generate_private_key(public_exponent=65_537, key_size=bits)
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def write_key(folder: Path) -> Path:
    """The test key in a file of ``folder``."""
    path = folder / "dkim.pem"
    path.write_text(private_pem())
    return path


def settings(**changes: object) -> dict[str, object]:
    """The ``DKIM_*`` settings signing with the test key."""
    values: dict[str, object] = {
        "dkim_domain": DOMAIN,
        "dkim_selector": SELECTOR,
        "dkim_private_key": private_pem(),
    }
    values.update(changes)
    return values


def dns(record_text: str, *, name: str = f"{SELECTOR}._domainkey.{DOMAIN}") -> Callable[..., bytes]:
    """What dkimpy's ``dnsfunc`` would get from the DNS once ``record_text`` is published."""

    def lookup(queried: bytes, timeout: int = 5) -> bytes:
        assert queried.decode().rstrip(".") == name, queried
        return record_text.encode()

    return lookup
