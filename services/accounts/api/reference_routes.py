"""Reference look-ups for the sign-up forms: educational establishments and job titles.

Open to anyone (the forms use them before the person has an account); they read
reference data held in memory, never the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from services.accounts.api.reference_models import (
    EstablishmentQuery,
    JobQuery,
    JobSuggestion,
    ReferenceEstablishment,
)
from services.accounts.domain.catalog import sectors
from services.accounts.domain.establishments import Establishment, establishments
from services.accounts.domain.jobs import JobTitle, job_titles
from services.accounts.errors import ESTABLISHMENT_NOT_FOUND
from shared.http import INVALID_CURSOR, Call, Page, Router, decode_cursor, encode_cursor

FoundT = TypeVar("FoundT")


def _shown(establishment: Establishment) -> ReferenceEstablishment:
    return ReferenceEstablishment.model_validate(establishment, from_attributes=True)


def _cursor_values(cursor: str | None, types: tuple[type, ...]) -> list[Any] | None:
    """The values of a cursor this module made, checked for type; 400 otherwise."""
    if cursor is None:
        return None
    values = decode_cursor(cursor, length=len(types))
    if not all(type(value) is wanted for value, wanted in zip(values, types, strict=True)):
        raise INVALID_CURSOR.error()
    return values


def _one_page(
    search: Callable[[int], list[FoundT]], limit: int, cursor_of: Callable[[FoundT], list[Any]]
) -> tuple[list[FoundT], str | None]:
    """A page of a search over a list held in memory, and the cursor of the next one.

    ``search`` is asked for one more than the page holds, to know whether another follows;
    it raises ``ValueError`` for a cursor that points at nothing (400).
    """
    try:
        found = search(limit + 1)
    except ValueError:
        raise INVALID_CURSOR.error() from None
    if len(found) <= limit:
        return found, None
    found = found[:limit]
    return found, encode_cursor(cursor_of(found[-1]))


def add_reference_routes(router: Router) -> None:
    """Declare the reference look-ups on ``router``."""
    # Read the lists now: a broken data file stops the start-up, not a sign-up page.
    establishments()
    job_titles()

    @router.get(
        "/establishments",
        summary="Chercher un établissement scolaire des Hauts-de-France",
        description=(
            "Accessible sans compte : le formulaire d'inscription d'un membre d'équipe "
            "éducative l'utilise. Collèges, lycées, lycées professionnels, CIO, EREA… des "
            "cinq départements, trouvés par les mots de leur nom, de leur commune ou de "
            "leur type (« lycee faid lille »), leur code postal ou leur code UAI ; un code "
            "UAI saisi en entier vient en premier. Le bassin d'éducation (Nord seulement) "
            "vient des données de référence."
        ),
    )
    async def find_establishments(
        call: Call[None, EstablishmentQuery],
    ) -> Page[ReferenceEstablishment]:
        """Best matches first; the cursor holds the last one's tier and UAI."""
        query = call.query
        after = _cursor_values(query.cursor, (int, str))
        found, next_cursor = _one_page(
            lambda limit: establishments().search(
                query.q, after=None if after is None else (after[0], after[1]), limit=limit
            ),
            query.limit,
            lambda last: [last.tier, last.establishment.uai],
        )
        return Page[ReferenceEstablishment](
            items=[_shown(item.establishment) for item in found], next_cursor=next_cursor
        )

    @router.get(
        "/establishments/{uai}",
        summary="Un établissement scolaire, par son code UAI",
        errors=[ESTABLISHMENT_NOT_FOUND],
        description=(
            "Accessible sans compte. Le code UAI s'écrit en majuscules ou en minuscules "
            "(0590117G ou 0590117g)."
        ),
    )
    async def get_establishment(call: Call[None, None]) -> ReferenceEstablishment:
        """One establishment of the reference data."""
        establishment = establishments().get(call.path("uai"))
        if establishment is None:
            raise ESTABLISHMENT_NOT_FOUND.error()
        return _shown(establishment)

    @router.get(
        "/jobs",
        summary="Métiers courants, par secteur",
        description=(
            "Accessible sans compte. Intitulés de métiers qu'un ambassadeur professionnel "
            "peut choisir à l'inscription, d'après les fiches métiers de l'Onisep : une "
            "suggestion, l'intitulé reste libre. Recherche par le début des mots de "
            "l'intitulé (« elec » → « Électricien / Électricienne ») puis du secteur."
        ),
    )
    async def find_jobs(call: Call[None, JobQuery]) -> Page[JobSuggestion]:
        """Titles matching by themselves first, then by their sector's name."""
        query = call.query
        after = _cursor_values(query.cursor, (int, str, str))
        found, next_cursor = _one_page(
            lambda limit: job_titles().search(
                query.q,
                sector=query.sector,
                after=None
                if after is None
                else (after[0], JobTitle(title=after[2], sector=after[1])),
                limit=limit,
            ),
            query.limit,
            lambda last: [last.tier, last.job.sector, last.job.title],
        )
        names = sectors()
        return Page[JobSuggestion](
            items=[
                JobSuggestion(
                    title=item.job.title, sector=item.job.sector, sector_name=names[item.job.sector]
                )
                for item in found
            ],
            next_cursor=next_cursor,
        )
