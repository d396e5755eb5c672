"""The password policy: length, and refusal of common and predictable passwords.

No composition rules (CNIL délibération 2022-100, OWASP ASVS 5.0 6.2): at least 12
characters, at most 128, any character. What makes a password weak here is being
common: the candidate is compared, lower-cased, with and without the digits and
punctuation people add at its ends, with « leet » letters read back and accents
folded, to the shipped lists (see ``data/passwords/README.md``).
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources
from itertools import pairwise

MIN_LENGTH = 12
MAX_LENGTH = 128

_LIST_FILES = ("zxcvbn.txt", "french.txt")
_EDGE_CHARACTERS = string.digits + string.punctuation + " °²"
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "3": "e", "1": "i", "!": "i", "$": "s", "5": "s", "7": "t"}
)
# Context words a password must not be built on (ASVS 6.2.11).
_SERVICE_WORDS = ("prochorientation", "proch'orientation", "orientation", "hautsdefrance")


def fold(text: str) -> str:
    """Lower-case, accents removed: « Été » → « ete »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def common_passwords() -> frozenset[str]:
    """Every password of the shipped lists, lower-case, with and without accents."""
    folder = resources.files("services.accounts").joinpath("data", "passwords")
    entries: set[str] = set()
    for name in _LIST_FILES:
        for line in folder.joinpath(name).read_text("utf-8").splitlines():
            entry = line.strip().lower()
            if entry and not entry.startswith("#"):
                entries.add(entry)
                entries.add(fold(entry))
    return frozenset(entries)


def _variants(password: str) -> set[str]:
    lowered = password.lower()
    bases = {lowered, fold(lowered), lowered.replace(" ", "")}
    variants: set[str] = set()
    for base in bases:
        trimmed = base.strip(_EDGE_CHARACTERS)
        for candidate in (
            base,
            base.rstrip(_EDGE_CHARACTERS),
            base.lstrip(_EDGE_CHARACTERS),
            trimmed,
        ):
            if candidate:
                variants.add(candidate)
                variants.add(candidate.translate(_LEET))
    return variants


def _is_repetition(password: str) -> bool:
    # « aaaaaaaaaaaa », « abcabcabcabc », « 123412341234 »: a short unit repeated.
    text = password.lower()
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return True
    return False


def _is_sequence(password: str) -> bool:
    # « 123456789012 », « abcdefghijkl », « 987654321098 »: each character one step on.
    text = password.lower()
    steps = {
        (ord(b) - ord(a)) % 10 if a.isdigit() and b.isdigit() else ord(b) - ord(a)
        for a, b in pairwise(text)
    }
    return steps in ({1}, {9}, {-1})


def password_problem(password: str, *, personal: Iterable[str] = ()) -> str | None:
    """What is wrong with ``password`` (a French sentence), or None when it is acceptable.

    ``personal`` lists words of the account (email, names) the password must not be
    made of.
    """
    if len(password) < MIN_LENGTH:
        return f"Le mot de passe doit contenir au moins {MIN_LENGTH} caractères."
    if len(password) > MAX_LENGTH:
        return f"Le mot de passe doit contenir au plus {MAX_LENGTH} caractères."
    if _is_repetition(password) or _is_sequence(password):
        return "Ce mot de passe est trop prévisible (suite ou répétition de caractères)."
    variants = _variants(password)
    if variants & common_passwords():
        return (
            "Ce mot de passe fait partie des mots de passe les plus courants ou déjà "
            "divulgués : choisissez-en un autre, par exemple une phrase de plusieurs mots."
        )
    words = [fold(word) for word in (*personal, *_SERVICE_WORDS) if len(word) >= 4]
    if any(variant == word for variant in variants for word in words):
        return (
            "Le mot de passe ne doit pas reprendre votre nom, votre adresse e-mail ou le nom "
            "du service."
        )
    return None


def personal_words(email: str, *names: str) -> list[str]:
    """Words of an account a password must not be: the email, its local part, the names."""
    local = email.split("@", 1)[0]
    return [email, local, *names, "".join(names)]
