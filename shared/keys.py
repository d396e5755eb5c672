"""The Ed25519 key pair of access tokens: from settings, or from files in ``keys_dir``.

Accounts signs with the private key; every service verifies with the public key.
A deployment gives both as PEM in the environment (``ACCESS_TOKEN_PRIVATE_KEY`` only
to accounts). The embedded platform and tests let the pair be created on first start
in ``DATA_DIR/keys`` (private key readable by its owner only).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from shared.settings import Settings

PRIVATE_KEY_FILE = "access-token.pem"
PUBLIC_KEY_FILE = "access-token.pub.pem"


class MissingKeyError(RuntimeError):
    """No key was configured and creating one was not allowed."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    """PEM texts of the access-token keys."""

    private_pem: str
    public_pem: str


def generate_key_pair() -> KeyPair:
    """A fresh Ed25519 key pair."""
    private_key = Ed25519PrivateKey.generate()
    return KeyPair(
        private_pem=private_key.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        ).decode(),
        public_pem=_public_of(private_key),
    )


def _public_of(private_key: Ed25519PrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def public_pem_of(private_pem: str) -> str:
    """The public key (PEM) matching an Ed25519 private key (PEM)."""
    key = load_pem_private_key(private_pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("la clé privée des jetons d'accès doit être une clé Ed25519")
    return _public_of(key)


def _write_new(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` (0600) unless it exists; False when another won the race.

    The file appears whole or not at all: written aside, then hard-linked into place,
    so a second process starting at the same moment never reads half a key.
    """
    draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.link(draft, path)
        return True
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            draft.unlink()


def load_key_pair(settings: Settings, *, create: bool = False) -> KeyPair:
    """The signing pair: from settings, else from ``keys_dir``, else created when ``create``.

    Raises :class:`MissingKeyError` when there is no private key and ``create`` is false.
    """
    if settings.access_token_private_key:
        private_pem = settings.access_token_private_key
        public_pem = settings.access_token_public_key or public_pem_of(private_pem)
        if public_pem_of(private_pem).strip() != public_pem.strip():
            raise ValueError("les clés publique et privée des jetons ne correspondent pas")
        return KeyPair(private_pem, public_pem)
    private_path = settings.keys_dir / PRIVATE_KEY_FILE
    public_path = settings.keys_dir / PUBLIC_KEY_FILE
    if not private_path.exists():
        if not create:
            raise MissingKeyError(
                "aucune clé de signature des jetons : définir ACCESS_TOKEN_PRIVATE_KEY "
                f"ou placer {PRIVATE_KEY_FILE} dans {settings.keys_dir}"
            )
        settings.keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        _write_new(private_path, generate_key_pair().private_pem)
    private_pem = private_path.read_text()
    public_pem = public_pem_of(private_pem)
    if not public_path.exists():
        _write_new(public_path, public_pem)
    return KeyPair(private_pem, public_pem)


def load_verifier_key(settings: Settings, *, create: bool = False) -> str:
    """The verifying key (PEM): from settings, else ``keys_dir``, else the pair's.

    A service that only verifies needs nothing more; with ``create`` (embedded
    default, tests) the pair is created if nobody did yet.
    """
    if settings.access_token_public_key:
        return settings.access_token_public_key
    if settings.access_token_private_key:
        return public_pem_of(settings.access_token_private_key)
    public_path = settings.keys_dir / PUBLIC_KEY_FILE
    if public_path.exists():
        return public_path.read_text()
    if (settings.keys_dir / PRIVATE_KEY_FILE).exists() or create:
        return load_key_pair(settings, create=create).public_pem
    raise MissingKeyError(
        "aucune clé de vérification des jetons : définir ACCESS_TOKEN_PUBLIC_KEY "
        f"ou placer {PUBLIC_KEY_FILE} dans {settings.keys_dir}"
    )
