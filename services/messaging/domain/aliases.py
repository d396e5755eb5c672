"""Relay aliases: the masked address each participant has in each conversation.

An alias reads like words, not noise (``abeille_citron_moulin_zenith_tapis482``), the
way SimpleLogin's word aliases do: five words drawn at random from a list of 2,048
French words and a number below 1,000. That is 5 × 11 + log2(1000) ≈ 65 bits, drawn
with ``secrets``: unguessable (finding one live alias among a million takes about 2^45
tries on average, and the inbound server refuses unknown ones before any data) and
owing nothing to any address or id, so knowing one alias, or someone's email, tells
nothing about another. Lower-case ASCII only, so mail systems that fold the case of
local parts keep it valid.

The list is BIP-39's French one (2,048 common words, none differing from another only
by its accents), shipped by the ``mnemonic`` package, with accents removed.

Aliases made before (24 random base32 characters, 120 bits) stay valid: both forms
are read back.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import cache

from mnemonic import Mnemonic

ALIAS_WORDS = 5
ALIAS_NUMBER_BELOW = 1_000
WORD_LIST_SIZE = 2_048
# The old form: 15 random bytes in base32, lower case, without padding.
OLD_ALIAS_LENGTH = 24
_WORD = r"[a-z]{3,8}"
_ALIAS = re.compile(rf"^{_WORD}(?:_{_WORD}){{{ALIAS_WORDS - 1}}}[0-9]{{1,3}}$")
_OLD_ALIAS = re.compile(rf"^[a-z2-7]{{{OLD_ALIAS_LENGTH}}}$")


def _ascii(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word)
    return decomposed.encode("ascii", "ignore").decode("ascii").lower()


@cache
def word_list() -> tuple[str, ...]:
    """The 2,048 words aliases are made of, in ASCII lower case, all different."""
    words = tuple(_ascii(word) for word in Mnemonic("french").wordlist)
    if len(set(words)) != WORD_LIST_SIZE or not all(re.fullmatch(_WORD, w) for w in words):
        raise RuntimeError("the French word list of aliases is not 2,048 distinct words")
    return words


def new_alias() -> str:
    """A fresh alias local part, e.g. ``abeille_citron_moulin_zenith_tapis482``."""
    words = word_list()
    chosen = [secrets.choice(words) for _ in range(ALIAS_WORDS)]
    return f"{'_'.join(chosen)}{secrets.randbelow(ALIAS_NUMBER_BELOW)}"


def alias_address(alias: str, relay_domain: str) -> str:
    """The full masked address of ``alias``."""
    return f"{alias}@{relay_domain}"


def alias_of(address: str, relay_domain: str) -> str | None:
    """The alias an address names (either form), or None when it is not one of ours.

    Case is ignored on both sides: some mail systems upper-case whole addresses.
    """
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or domain.lower() != relay_domain.lower():
        return None
    local = local.lower()
    return local if _ALIAS.match(local) or _OLD_ALIAS.match(local) else None
