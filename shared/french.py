"""Dates and durations as people read them in French, in Europe/Paris time.

Every service that speaks to people (emails, notification feeds, subjects) formats
them the same way: "mardi 3 mars 2026 à 14 h 00", "1 h 30", "12 heures", and ends a
sentence with one full stop even after an initial ("Paul E.").
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def of(name: str) -> str:
    """« de Paul », « d'Amandine », « d'Élise »: the preposition elided before a vowel
    (a name with an h keeps « de », the usual choice for names)."""
    return f"d'{name}" if name[:1].lower() in "aeiouyàâäéèêëîïôöùûü" and name else f"de {name}"


def sentence(text: str) -> str:
    """``text`` ending as a sentence: a full stop added, unless one is there already
    (« Avec Paul E. », never « Paul E.. ») or it ends with ``!``, ``?`` or ``…``."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _paris(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a naive datetime cannot be placed in Europe/Paris")
    return moment.astimezone(PARIS)


def day_fr(moment: datetime) -> str:
    """``mardi 3 mars 2026`` in Europe/Paris (``1er`` for the first of the month)."""
    local = _paris(moment)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{DAYS[local.weekday()]} {day} {MONTHS[local.month - 1]} {local.year}"


def time_fr(moment: datetime) -> str:
    """``14 h 00`` in Europe/Paris."""
    local = _paris(moment)
    return f"{local.hour} h {local.minute:02d}"


def datetime_fr(moment: datetime) -> str:
    """``mardi 3 mars 2026 à 14 h 00`` in Europe/Paris."""
    return f"{day_fr(moment)} à {time_fr(moment)}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def duration_fr(duration: timedelta | int | float) -> str:
    """A duration to the nearest minute: ``5 minutes``, ``12 heures``, ``1 h 30``, ``2 jours``.

    An int or float is a number of seconds.
    """
    seconds = duration.total_seconds() if isinstance(duration, timedelta) else float(duration)
    minutes = max(0, round(seconds / 60))
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, rest = divmod(minutes, 60)
    if rest:
        return f"{hours} h {rest:02d}"
    if hours >= 48 and hours % 24 == 0:
        return _plural(hours // 24, "jour")
    return _plural(hours, "heure")


def wait_fr(seconds: float) -> str:
    """How long to wait before trying again, rounded up to the minute and at least one:
    told to wait less than they must, people would be refused once more."""
    return duration_fr(max(1, math.ceil(seconds / 60)) * 60)


def minutes_fr(minutes: int) -> str:
    """A duration given in minutes (appointments): ``45 minutes``, ``1 h 30``."""
    return duration_fr(minutes * 60)


_WORD = re.compile(r"[a-z0-9]+")
# Accents once decomposed (a regex runs in C, unlike a per-character filter).
_ACCENTS = re.compile("[\u0300-\u036f]")
# Letters NFKD does not decompose.
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def folded_words(text: str) -> list[str]:
    """The words of ``text``, accents and case folded: « Lycée l'Œuvre » →
    ``["lycee", "l", "oeuvre"]``."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return _WORD.findall(_ACCENTS.sub("", decomposed))
