"""How people are named to each other in a conversation."""

from __future__ import annotations

# What the other party sees once an account is deleted (issue 6, item 6).
FORMER_MEMBER = "Ancien membre"


def short_name(first_name: str, last_name: str) -> str:
    """ "Prénom N.": what the other party sees until contact details are shared."""
    first = " ".join(first_name.split())
    last = last_name.strip()
    return f"{first} {last[0].upper()}." if last else first


def full_name(first_name: str, last_name: str) -> str:
    """ "Prénom Nom": shown once the person shared their contact details."""
    return " ".join(f"{first_name} {last_name}".split())
