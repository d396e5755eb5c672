"""Query and answer models of the reference look-ups: establishments and job titles."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from services.accounts.shapes.fields import SectorSlug
from shared.http import PageQuery

# The words typed in a look-up's search box.
SearchWords = Annotated[str, StringConstraints(max_length=100)]

EstablishmentKind = Literal[
    "collège",
    "lycée",
    "lycée polyvalent",
    "lycée professionnel",
    "lycée agricole",
    "maison familiale rurale",
    "EREA",
    "établissement de réinsertion scolaire",
    "CIO",
]


class EstablishmentQuery(PageQuery):
    """Find an establishment by the words of its name or town, or by its UAI code."""

    q: SearchWords | None = Field(
        None,
        description=(
            "Mots du nom, de la commune ou du type (début de mot suffisant, accents "
            "et majuscules ignorés), code postal ou code UAI. Vide : tous, par nom."
        ),
    )


class ReferenceEstablishment(BaseModel):
    """An educational establishment of Hauts-de-France, from the reference data."""

    uai: str = Field(description="Code UAI : sept chiffres et une lettre.")
    name: str
    kind: EstablishmentKind = Field(description="Type d'établissement, en français.")
    sector: Literal["public", "privé"]
    postcode: str
    city: str
    department: str = Field(description="Code du département (02, 59, 60, 62, 80).")
    bassin: str | None = Field(
        description="Bassin d'éducation (voir GET /territory) pour le Nord ; null ailleurs."
    )


class JobQuery(PageQuery):
    """Find common job titles, by words and/or sector."""

    q: SearchWords | None = Field(
        None,
        description=(
            "Mots de l'intitulé ou du secteur (début de mot suffisant, accents et "
            "majuscules ignorés). Vide : tous, par ordre alphabétique."
        ),
    )
    sector: SectorSlug | None = Field(None, description="Secteur (voir GET /sectors).")


class JobSuggestion(BaseModel):
    """A common job title: a suggestion, the sign-up keeps the title as typed."""

    title: str
    sector: str
    sector_name: str
