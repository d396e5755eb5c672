"""The programme's professional sectors (slug and French name).

Like the territory, the list is reference data shipped once with accounts
(``services/accounts/data/sectors.json``); agenda reads that file.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources


@cache
def sector_names() -> dict[str, str]:
    """Each sector's slug and French name."""
    text = resources.files("services.accounts").joinpath("data", "sectors.json").read_text("utf-8")
    return {item["slug"]: item["name"] for item in json.loads(text)["sectors"]}
