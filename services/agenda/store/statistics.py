"""The statistics' reads: aggregation pipelines over the appointments and the calls of
a perimeter's branches, the ambassadors available, and what was written since a moment.

The appointments of a branch (a department or a bassin: each served by its index, and
disjoint, so their figures add up) and month are read by one ``$facet`` pipeline. Only
what the embedded store supports is used (``$group``, ``$facet``, no ``$count`` in a
``$lookup``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.agenda.domain.territory import Area
from shared.mongo import Document

# One branch of a perimeter: a filter on the establishment.
Branch = dict[str, Any]
# The groups of each facet, by facet name.
Groups = dict[str, list[Document]]

COMPLETED = {"status": "completed"}
# The sector a solicitation asks for: the one wished, or else the ambassador's.
SECTOR = {"$ifNull": ["$wished_sector", "$ambassador.sector"]}
CALL = {"$ifNull": ["$call_id", None]}
# The month of the intervention in Paris (the period is one of interventions too).
MONTH = {"$dateToString": {"format": "%Y-%m", "date": "$starts_at", "timezone": "Europe/Paris"}}
ANSWERED = {"$ne": [{"$ifNull": ["$answer", None]}, None]}

# Three passes over the appointments, each one ``$group`` (the embedded store pays
# for every pass over the documents: one group per question would cost three times
# as much, measured); the figures are then added up from the groups.
FACETS: dict[str, list[dict[str, Any]]] = {
    "counts": [
        {
            "$group": {
                "_id": {
                    "call": CALL,
                    "status": "$status",
                    "kind": "$kind",
                    "department": "$establishment.department",
                    "bassin": "$establishment.bassin",
                    "sector": SECTOR,
                    "month": MONTH,
                    "late_by": {
                        "$cond": [
                            {"$eq": ["$cancellation.late", True]},
                            "$cancellation.by",
                            None,
                        ]
                    },
                },
                "n": {"$sum": 1},
            }
        }
    ],
    "answers": [
        # A slot taken from a refusal or a place at a call was never asked: no answer time.
        {"$match": {"call_id": None, "taken_from": None}},
        {
            "$group": {
                "_id": None,
                "asked": {"$sum": 1},
                "n": {"$sum": {"$cond": [ANSWERED, 1, 0]}},
                "accepted": {
                    "$sum": {
                        "$cond": [
                            {"$and": [ANSWERED, {"$ne": ["$status", "refused"]}]},
                            1,
                            0,
                        ]
                    }
                },
                "delays": {
                    "$push": {
                        "$cond": [
                            ANSWERED,
                            {"$divide": [{"$subtract": ["$answer.at", "$created_at"]}, 1000]},
                            None,
                        ]
                    }
                },
            }
        },
    ],
    "delivered": [
        {"$match": COMPLETED},
        {
            "$group": {
                # An event counts its pupils once however many ambassadors came.
                "_id": {
                    "call": CALL,
                    "uai": "$establishment.uai",
                    "name": "$establishment.name",
                    "city": "$establishment.city",
                    "level": "$audience.level",
                },
                "n": {"$sum": 1},
                "minutes": {"$sum": "$duration_minutes"},
                "pupils": {"$sum": "$audience.group_size"},
                "pupils_once": {"$max": "$audience.group_size"},
            }
        },
    ],
}


def place_branches(area: Area | None) -> list[Branch]:
    """Disjoint filters on the establishment covering ``area`` (None: the region)."""
    if area is None:
        return [{}]
    return [{"establishment.department": code} for code in sorted(area.departments)] + [
        {"establishment.bassin": slug} for slug in sorted(area.bassins)
    ]


class StatisticsReads:
    """What the statistics read, over the appointments, the calls and the ambassadors."""

    def __init__(
        self,
        appointments: AsyncCollection[Document],
        calls: AsyncCollection[Document],
        ambassadors: AsyncCollection[Document],
    ) -> None:
        self._appointments = appointments
        self._calls = calls
        self._ambassadors = ambassadors

    async def facets(self, branch: Branch, start: datetime, end: datetime) -> Groups:
        """The groups of the appointments of ``branch`` starting in [start, end)."""
        during = {"starts_at": {"$gte": start, "$lt": end}}
        cursor = await self._appointments.aggregate(
            [{"$match": {**branch, **during}}, {"$facet": FACETS}]
        )
        found: list[Groups] = await cursor.to_list()
        return found[0] if found else {name: [] for name in FACETS}

    async def call_totals(self, branch: Branch, start: datetime, end: datetime) -> list[Document]:
        """Calls of ``branch`` starting in [start, end), not cancelled: how many, their
        places and the places taken (one group, or none)."""
        during = {"starts_at": {"$gte": start, "$lt": end}}
        cursor = await self._calls.aggregate(
            [
                {"$match": {**branch, **during, "status": {"$ne": "cancelled"}}},
                {
                    "$group": {
                        "_id": None,
                        "n": {"$sum": 1},
                        "places": {"$sum": "$places"},
                        "taken": {"$sum": "$taken"},
                    }
                },
            ]
        )
        found: list[Document] = await cursor.to_list()
        return found

    async def solicitable_zones(
        self, departments: Collection[str] | None, bassins: Collection[str]
    ) -> list[Document]:
        """The sector and zone of each solicitable ambassador whose zone has one of these
        departments or bassins (``departments`` None: the whole region)."""
        match: dict[str, Any] = {"solicitable": True, "deleted": False}
        if departments is not None:
            match["$or"] = [
                {"zone_departments": {"$in": sorted(departments)}},
                {"zone_bassins": {"$in": sorted(bassins)}},
            ]
        cursor = self._ambassadors.find(
            match, {"_id": 0, "sector": 1, "zone_departments": 1, "zone_bassins": 1}
        )
        return [copy async for copy in cursor]

    async def latest_write(self) -> datetime | None:
        """When an appointment was last written (its ``updated_at``), if ever."""
        latest = await self._appointments.find_one(
            {"updated_at": {"$type": "date"}},
            {"updated_at": 1},
            sort=[("updated_at", DESCENDING)],
        )
        return latest["updated_at"] if latest else None

    async def written_since(self, moment: datetime) -> list[Document]:
        """The appointments written at or after ``moment``: id, start and ``updated_at``."""
        cursor = self._appointments.find(
            {"updated_at": {"$gte": moment}}, {"starts_at": 1, "updated_at": 1}
        )
        return [document async for document in cursor]
