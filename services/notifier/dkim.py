"""DKIM signatures of outgoing emails (RFC 6376), with dkimpy.

Every message the notifier serialises (its own emails and the relay's) goes through
:meth:`DkimSigner.sign` when ``DKIM_DOMAIN``, ``DKIM_SELECTOR`` and a private key
(``DKIM_PRIVATE_KEY`` in PEM, or ``DKIM_PRIVATE_KEY_FILE``) are set; with none of them
mail goes unsigned. A half-done or unusable setting is refused at start-up
(:class:`DkimSettingsError`), never discovered on the first email.

Canonicalisation is relaxed for headers and body: relays that refold a header or
trim trailing spaces do not break the signature. The headers a reader relies on are
signed, and the identity headers once more ("oversigned"), so that nobody on the way
can add a second From, Subject or Reply-To that the signature would not cover.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from pathlib import Path

import dkim
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from shared.settings import Settings

# Signed when present, in this order.
SIGNED_HEADERS = (
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Language",
    "Auto-Submitted",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
# Signed one extra time, present or not: an added copy would not verify.
OVERSIGNED_HEADERS = (
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
MIN_KEY_BITS = 1024  # what verifiers accept (RFC 8301); 2048 is advised
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"^{_LABEL}(?:\.{_LABEL})+$")
_SELECTOR = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_HEADER_NAME = re.compile(rb"^([!-9;-~]+):", re.MULTILINE)


class DkimSettingsError(ValueError):
    """The DKIM settings cannot be used: the message says which and why, in French."""


@dataclass(frozen=True)
class DkimSigner:
    """Signs messages for one domain and selector with one RSA key."""

    domain: str
    selector: str
    # The key as PKCS#1 PEM, the form dkimpy reads.
    private_pem: bytes
    public_der: bytes

    def sign(self, mime: bytes) -> bytes:
        """``mime`` with a DKIM-Signature header in front (lines end with CRLF)."""
        headers, _, _ = mime.partition(b"\r\n\r\n")
        present = {name.decode().lower() for name in _HEADER_NAME.findall(headers)}
        signed = [name for name in SIGNED_HEADERS if name.lower() in present]
        signed += OVERSIGNED_HEADERS
        signature = dkim.sign(
            mime,
            self.selector.encode(),
            self.domain.encode(),
            self.private_pem,
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=[name.encode() for name in signed],
        )
        return bytes(signature) + mime

    @property
    def record_name(self) -> str:
        """Where the public key is published in the DNS."""
        return f"{self.selector}._domainkey.{self.domain}"

    @property
    def record_text(self) -> str:
        """The TXT record's value: the public key in base64."""
        return f"v=DKIM1; k=rsa; p={base64.b64encode(self.public_der).decode()}"

    def dns_record(self) -> str:
        """The record to publish, as a zone file line."""
        return f'{self.record_name} TXT "{self.record_text}"'

    def unaligned(self, *domains: str) -> list[str]:
        """Those of ``domains`` (From domains) DMARC would not align with the signature.

        Relaxed alignment: the signing domain itself or one of its subdomains.
        """
        return [
            domain
            for domain in domains
            if domain.lower() != self.domain and not domain.lower().endswith(f".{self.domain}")
        ]


def load_signer(settings: Settings) -> DkimSigner | None:
    """The signer of the ``DKIM_*`` settings; None when none of them is set.

    Raises :class:`DkimSettingsError` for a partial setting or a key that cannot sign.
    """
    domain = (settings.dkim_domain or "").strip().lower().rstrip(".")
    selector = (settings.dkim_selector or "").strip().lower()
    key_text = _key_text(settings) or ""
    given = {"DKIM_DOMAIN": domain, "DKIM_SELECTOR": selector, "DKIM_PRIVATE_KEY": key_text}
    missing = [name for name, value in given.items() if not value.strip()]
    if len(missing) == len(given):
        return None
    if missing:
        raise DkimSettingsError(
            f"DKIM incomplet : il manque {', '.join(missing)}. Définir DKIM_DOMAIN, "
            "DKIM_SELECTOR et DKIM_PRIVATE_KEY (ou DKIM_PRIVATE_KEY_FILE), ou aucun des trois"
        )
    if not _DOMAIN.match(domain):
        raise DkimSettingsError(f"DKIM_DOMAIN n'est pas un nom de domaine : {domain!r}")
    if not _SELECTOR.match(selector):
        raise DkimSettingsError(
            f"DKIM_SELECTOR doit être fait de lettres, chiffres et tirets : {selector!r}"
        )
    key = _rsa_key(key_text)
    return DkimSigner(
        domain=domain,
        selector=selector,
        private_pem=key.private_bytes(
            Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption()
        ),
        public_der=key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo),
    )


def _key_text(settings: Settings) -> str | None:
    path: Path | None = settings.dkim_private_key_file
    if path is None:
        return settings.dkim_private_key
    if settings.dkim_private_key:
        raise DkimSettingsError(
            "DKIM_PRIVATE_KEY et DKIM_PRIVATE_KEY_FILE sont tous deux définis : n'en garder qu'un"
        )
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise DkimSettingsError(
            f"DKIM_PRIVATE_KEY_FILE désigne un fichier illisible : {path} ({error})"
        ) from error


def _rsa_key(text: str) -> RSAPrivateKey:
    try:
        key = load_pem_private_key(text.strip().encode(), password=None)
    except (ValueError, TypeError) as error:
        raise DkimSettingsError(
            "la clé DKIM n'est pas une clé privée RSA au format PEM non chiffrée "
            "(openssl genrsa -out dkim.pem 2048)"
        ) from error
    if not isinstance(key, RSAPrivateKey):
        raise DkimSettingsError("la clé DKIM doit être une clé RSA (k=rsa)")
    if key.key_size < MIN_KEY_BITS:
        raise DkimSettingsError(
            f"la clé DKIM a {key.key_size} bits : il en faut {MIN_KEY_BITS} au moins "
            "(2048 conseillés)"
        )
    return key
