"""Relay aliases: the masked address each participant has in each conversation.

An alias is random (120 bits, base32 in lower case so mail systems that fold the
case of local parts keep it valid) and owes nothing to any address or id: knowing
one alias, or someone's email, tells nothing about another alias.
"""

from __future__ import annotations

import base64
import re
import secrets

ALIAS_BYTES = 15  # 120 bits: the issue asks for at least 80
ALIAS_LENGTH = 24  # characters of base32 for ALIAS_BYTES, without padding
_ALIAS = re.compile(rf"^[a-z2-7]{{{ALIAS_LENGTH}}}$")


def new_alias() -> str:
    """A fresh alias local part, e.g. ``k3v7…`` (24 characters)."""
    return base64.b32encode(secrets.token_bytes(ALIAS_BYTES)).decode("ascii").lower()


def alias_address(alias: str, relay_domain: str) -> str:
    """The full masked address of ``alias``."""
    return f"{alias}@{relay_domain}"


def alias_of(address: str, relay_domain: str) -> str | None:
    """The alias an address names, or None when it is not one of ours.

    Case is ignored on both sides: some mail systems upper-case whole addresses.
    """
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or domain.lower() != relay_domain.lower():
        return None
    local = local.lower()
    return local if _ALIAS.match(local) else None
