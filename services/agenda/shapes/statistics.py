"""The steering statistics: query and answer (the CSV export carries the same figures)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.agenda.domain.territory import bassin_names, department_names


def known_department(code: str) -> str:
    """A department of the region (raises ``ValueError`` otherwise)."""
    if code not in department_names():
        raise ValueError("Département inconnu : indiquez 02, 59, 60, 62 ou 80.")
    return code


def known_bassin(slug: str) -> str:
    """A bassin d'éducation of the Nord (raises ``ValueError`` otherwise)."""
    if slug not in bassin_names():
        raise ValueError("Bassin d'éducation inconnu.")
    return slug


Department = Annotated[str, AfterValidator(known_department)]
Bassin = Annotated[str, AfterValidator(known_bassin)]


class StatsQuery(BaseModel):
    """Perimeter and period of the statistics."""

    model_config = ConfigDict(populate_by_name=True)

    department: Department | None = Field(None, description="Code du département (« 59 »).")
    bassin: Bassin | None = Field(None, description="Bassin d'éducation du Nord (« lille-est »).")
    from_: date | None = Field(
        None, alias="from", description="Premier jour (AAAA-MM-JJ) ; défaut : année scolaire."
    )
    to: date | None = Field(None, description="Dernier jour, inclus (AAAA-MM-JJ).")


class StatsPeriod(BaseModel):
    """The days counted, both included (Europe/Paris)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: date = Field(alias="from")
    to: date


class StatsScope(BaseModel):
    """Where the figures come from."""

    region: bool = Field(description="Toute la région.")
    departments: list[str]
    bassins: list[str]
    label: str


class Count(BaseModel):
    """How many solicitations fall under one value (``key`` null: not given)."""

    key: str | None
    label: str
    count: int


class SolicitationCounts(BaseModel):
    """Solicitations whose intervention falls in the period."""

    total: int
    by_status: list[Count]
    by_kind: list[Count]
    by_department: list[Count]
    by_bassin: list[Count]
    by_sector: list[Count] = Field(
        description="Secteur souhaité, à défaut celui de l'ambassadeur sollicité."
    )
    by_month: list[Count] = Field(
        default_factory=list,
        description="Par mois de l'intervention (clé AAAA-MM, heure de Paris), chaque mois "
        "de la période, zéros compris, dans l'ordre.",
    )


class Answers(BaseModel):
    """How ambassadors answered."""

    asked: int = Field(
        0,
        description="Sollicitations adressées à un ambassadeur (hors places prises à un "
        "événement et créneaux retenus après un refus, qui n'attendent pas de réponse).",
    )
    answered: int = Field(description="Sollicitations ayant reçu une réponse.")
    answer_rate: float | None = Field(
        None, description="ayant reçu une réponse / adressées (null sans sollicitation)."
    )
    accepted: int = Field(description="Dont acceptées (même annulées ensuite).")
    acceptance_rate: float | None = Field(description="acceptées / ayant reçu une réponse.")
    median_hours_to_answer: float | None = Field(
        description="Délai médian entre la sollicitation et la réponse, en heures."
    )


class LateCancellations(BaseModel):
    """Cancellations under 48 hours before the start."""

    total: int
    by: list[Count] = Field(description="Par auteur de l'annulation.")


class DeliveredGroup(BaseModel):
    """Interventions held for one establishment or level."""

    key: str | None
    label: str
    interventions: int
    hours: float
    pupils: int


class Delivered(BaseModel):
    """Interventions that took place (status ``completed``)."""

    interventions: int
    hours: float = Field(description="Heures d'intervention des ambassadeurs.")
    pupils_reached: int = Field(
        description="Somme des effectifs (un événement compte une fois, quel que soit le "
        "nombre d'ambassadeurs venus)."
    )
    by_establishment: list[DeliveredGroup]
    by_level: list[DeliveredGroup]


class SupplyDemandRow(BaseModel):
    """Available ambassadors against solicitations, for a department and a sector."""

    department: str
    department_name: str
    sector: str | None
    sector_name: str
    ambassadors: int = Field(description="Ambassadeurs sollicitables dont la zone couvre le lieu.")
    solicitations: int
    satisfied: int = Field(description="Sollicitations acceptées ou réalisées.")
    solicitations_per_ambassador: float | None
    missing: bool = Field(description="Des sollicitations, aucun ambassadeur disponible.")


class CallsSummary(BaseModel):
    """Open calls for events in the period (not cancelled)."""

    published: int
    places: int
    places_taken: int


class Statistics(BaseModel):
    """The steering figures of a perimeter over a period."""

    period: StatsPeriod
    scope: StatsScope
    solicitations: SolicitationCounts
    answers: Answers
    late_cancellations: LateCancellations
    delivered: Delivered
    supply_demand: list[SupplyDemandRow] = Field(
        description="Manques d'abord : des sollicitations et aucun ambassadeur disponible, "
        "puis le plus de sollicitations par ambassadeur."
    )
    calls: CallsSummary
