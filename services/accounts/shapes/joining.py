"""What joining takes: an ambassador's or staff member's sign-up, a new referent, a territory."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from pydantic import AfterValidator, Field, model_validator

from services.accounts.domain.identity import check_uai
from services.accounts.shapes.fields import (
    BassinSlug,
    DepartmentCode,
    Email,
    Interventions,
    Name,
    PersonIn,
    Phone,
    Postcode,
    SectorSlug,
    Text,
)
from shared.contracts.accounts import ProfileType
from shared.http import StrictBody


class Job(StrictBody):
    """What a professional ambassador presents."""

    title: Annotated[Text, Field(min_length=2, max_length=120, description="Intitulé du métier.")]
    sector: SectorSlug = Field(description="Secteur (voir GET /sectors).")
    employment: (
        Literal["employee", "business_owner", "self_employed", "retired", "other"] | None
    ) = Field(
        None, description="Situation : salarié, chef d'entreprise, indépendant, retraité, autre."
    )
    employer: Annotated[Text, Field(max_length=160)] | None = None
    employer_agreement: bool | None = Field(
        None, description="Un salarié déclare l'accord de son employeur."
    )

    @model_validator(mode="after")
    def _salaried_needs_agreement(self) -> Self:
        salaried = self.employment == "employee" or (self.employment is None and self.employer)
        if salaried and not self.employer:
            raise ValueError("Un salarié indique son employeur (champ « employer »).")
        if salaried and self.employer_agreement is not True:
            raise ValueError(
                "Un salarié doit déclarer l'accord de son employeur (champ « employer_agreement »)."
            )
        return self


class Training(StrictBody):
    """The training a student follows or a trainer gives."""

    name: Annotated[
        Text, Field(min_length=2, max_length=160, description="Intitulé de la formation.")
    ]
    level: Annotated[
        Text,
        Field(min_length=1, max_length=80, description="Niveau (CAP, bac pro, BTS, licence…)."),
    ]
    establishment: Annotated[Text, Field(min_length=2, max_length=160)]


class Area(StrictBody):
    """Departments and Nord's bassins, at least one of either, each kept once and in order
    (an ambassador's zone, a referent's territory)."""

    # What the person is told when neither is given.
    empty_message: ClassVar[str]

    departments: list[DepartmentCode] = Field(default_factory=list, max_length=5)
    bassins: list[BassinSlug] = Field(default_factory=list, max_length=9)

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.departments and not self.bassins:
            raise ValueError(self.empty_message)
        self.departments = sorted(set(self.departments))
        self.bassins = sorted(set(self.bassins))
        return self


class Zone(Area):
    """Departments and Nord's bassins where the ambassador can go."""

    empty_message: ClassVar[str] = "Indiquez au moins un département ou un bassin d'intervention."


class ConsentsIn(StrictBody):
    """Consents asked at sign-up and editable later."""

    image_rights: bool = Field(False, description="Droit à l'image lors des interventions.")
    surveys: bool = Field(False, description="Participation aux enquêtes d'évaluation.")


class AmbassadorSignUp(StrictBody):
    """An ambassador joins, in the order of the programme's form."""

    profile: ProfileType = Field(description="student, professional ou trainer.")
    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    postcode: Postcode
    city: Annotated[Text, Field(min_length=1, max_length=100)]
    job: Job | None = None
    training: Training | None = None
    background: Annotated[
        str, Field(max_length=2000, description="Parcours, en quelques lignes.")
    ] = ""
    interventions: Interventions
    online: bool = Field(False, description="Accepte aussi d'intervenir à distance.")
    zone: Zone
    charter_version: Annotated[str, Field(min_length=1, max_length=40)]
    charter_accepted: bool
    consents: ConsentsIn = Field(default_factory=ConsentsIn)

    @model_validator(mode="after")
    def _job_or_training(self) -> Self:
        if self.profile == "professional" and self.job is None:
            raise ValueError("Un professionnel décrit son métier (champ « job »).")
        if self.profile in ("student", "trainer") and self.training is None:
            raise ValueError("Décrivez la formation suivie ou dispensée (champ « training »).")
        return self


class Establishment(StrictBody):
    """An educational establishment, identified by its UAI code."""

    uai: Annotated[str, Field(min_length=8, max_length=8), AfterValidator(check_uai)]
    name: Annotated[Text, Field(min_length=2, max_length=160)]
    city: Annotated[Text, Field(min_length=1, max_length=100)]
    postcode: Postcode


class StaffSignUp(StrictBody):
    """A member of an educational team joins."""

    first_name: Name
    last_name: Name
    email: Email
    phone: Phone | None = None
    establishment: Establishment
    position: Annotated[
        Text,
        Field(
            min_length=2,
            max_length=120,
            description="Fonction (professeur principal, CPE, Psy-EN…).",
        ),
    ]


class TerritoryIn(Area):
    """A referent's territory."""

    empty_message: ClassVar[str] = "Un territoire compte au moins un département ou un bassin."


class ReferentIn(PersonIn):
    """An admin creates a referent; they choose their password from the emailed link."""

    territory: TerritoryIn
