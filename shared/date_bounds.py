"""The years a date a person gives may name, checked wherever it sits in a request.

Python's dates stop at years 1 and 9999: a date there, moved to UTC or written to the
database, overflows, and the sender's mistake became a failure of ours (found by
fuzzing the API with its OpenAPI documents). No date of the programme lies outside
these years, and one that does is a typing mistake (« 0202 » for 2026): the API's
``read_json`` and ``read_query`` check every date of a validated request, so no field
is forgotten, and the site's date fields say so before sending.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel

FIRST_YEAR = 2000
LAST_YEAR = 2100
OUT_OF_RANGE = f"L'année doit être comprise entre {FIRST_YEAR} et {LAST_YEAR}."


def within_the_years(day: date) -> bool:
    """Whether ``day`` (a date or a datetime) falls in the years a person may name."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def dates_out_of_range(value: Any, path: str = "") -> Iterator[tuple[str, date]]:
    """``(field path, date)`` for each date or time in ``value`` outside those years.

    ``value`` is a validated model, or what its fields hold: lists, dicts, other models.
    Paths name fields as the client sent them: ``slots[1].starts_at``, ``from``.
    """
    if isinstance(value, date):  # a datetime is a date too
        if not within_the_years(value):
            yield path, value
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            key = field.alias or name
            yield from dates_out_of_range(getattr(value, name), f"{path}.{key}" if path else key)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from dates_out_of_range(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from dates_out_of_range(item, f"{path}.{key}" if path else str(key))
