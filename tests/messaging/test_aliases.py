"""Relay aliases are opaque, random and recognised only on our domain."""

from __future__ import annotations

import math

from services.messaging.domain.aliases import (
    ALIAS_BYTES,
    alias_address,
    alias_of,
    new_alias,
)


def test_aliases_are_random_with_at_least_80_bits() -> None:
    aliases = {new_alias() for _ in range(10_000)}

    assert len(aliases) == 10_000
    assert ALIAS_BYTES * 8 >= 80
    alphabet = set("abcdefghijklmnopqrstuvwxyz234567")
    for alias in list(aliases)[:100]:
        assert len(alias) == 24
        assert set(alias) <= alphabet
    # 24 base32 characters carry 120 bits.
    assert 24 * math.log2(32) == 120


def test_an_alias_is_read_back_from_its_address_in_any_case() -> None:
    alias = new_alias()
    address = alias_address(alias, "relay.localhost")

    assert alias_of(address, "relay.localhost") == alias
    assert alias_of(f"<{address.upper()}>", "RELAY.localhost") == alias


def test_addresses_that_are_not_our_aliases_are_not_read_as_one() -> None:
    alias = new_alias()

    assert alias_of(f"{alias}@exemple.org", "relay.localhost") is None
    assert alias_of("postmaster@relay.localhost", "relay.localhost") is None
    assert alias_of(f"{alias}x@relay.localhost", "relay.localhost") is None
    assert alias_of("relay.localhost", "relay.localhost") is None
