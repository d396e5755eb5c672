"""Relay aliases are opaque, random words, and recognised only on our domain."""

from __future__ import annotations

import math
import re

from services.messaging.domain.aliases import (
    ALIAS_NUMBER_BELOW,
    ALIAS_WORDS,
    alias_address,
    alias_of,
    new_alias,
    word_list,
)

# An alias made before aliases were words: 24 base32 characters.
OLD_ALIAS = "k3v7qzq2mbxw4nle6rt5ya2h"


def test_aliases_are_four_words_and_a_number_with_at_least_50_bits() -> None:
    aliases = {new_alias() for _ in range(10_000)}

    assert len(aliases) == 10_000
    words = set(word_list())
    assert len(words) == 2_048
    for alias in list(aliases)[:200]:
        assert re.fullmatch(r"[a-z_0-9]+", alias), alias
        *named, last = alias.split("_")
        match = re.fullmatch(r"([a-z]+)([0-9]+)", last)
        assert match is not None, alias
        word, number = match.groups()
        assert {*named, word} <= words, alias
        assert len(named) + 1 == ALIAS_WORDS
        assert int(number) < ALIAS_NUMBER_BELOW
    bits = ALIAS_WORDS * math.log2(len(words)) + math.log2(ALIAS_NUMBER_BELOW)
    assert bits >= 64
    # Drawn uniformly: every word turns up among 40,000 draws of 2,048.
    drawn = {word for alias in aliases for word in re.findall(r"[a-z]+", alias)}
    assert len(drawn) > 2_000


def test_an_alias_is_read_back_from_its_address_in_any_case() -> None:
    alias = new_alias()
    address = alias_address(alias, "relay.localhost")

    assert alias_of(address, "relay.localhost") == alias
    assert alias_of(f"<{address.upper()}>", "RELAY.localhost") == alias


def test_aliases_of_the_old_random_form_are_still_read() -> None:
    address = alias_address(OLD_ALIAS, "relay.localhost")

    assert alias_of(address, "relay.localhost") == OLD_ALIAS
    assert alias_of(address.upper(), "relay.localhost") == OLD_ALIAS


def test_addresses_that_are_not_our_aliases_are_not_read_as_one() -> None:
    alias = new_alias()

    assert alias_of(f"{alias}@exemple.org", "relay.localhost") is None
    assert alias_of("postmaster@relay.localhost", "relay.localhost") is None
    assert alias_of(f"{alias}x@relay.localhost", "relay.localhost") is None
    assert alias_of(f"{OLD_ALIAS}x@relay.localhost", "relay.localhost") is None
    assert alias_of("abeille_citron@relay.localhost", "relay.localhost") is None
    assert alias_of("relay.localhost", "relay.localhost") is None
