"""A partner organization's yearly report: interventions, employees, sponsorship estimate."""

from __future__ import annotations

from pydantic import BaseModel, Field

from services.agenda.shapes.fields import ParisTime


class OrganizationView(BaseModel):
    """The partner."""

    id: str
    name: str
    siret: str | None


class EmployeeRow(BaseModel):
    """An employee who linked themselves to the organization, and what they did."""

    ambassador_id: str | None = Field(description="null : ambassadeurs ayant quitté le programme.")
    name: str
    interventions: int
    hours: float


class InterventionRow(BaseModel):
    """One intervention held."""

    appointment_id: str
    starts_at: ParisTime
    kind: str
    kind_label: str
    establishment: str
    city: str
    employee: str
    hours: float


class AgreedVersusDone(BaseModel):
    """Interventions agreed in the sponsorship convention against those held."""

    agreed: int | None
    done: int
    rate: float | None = Field(description="réalisées / prévues.")


class SponsorshipView(BaseModel):
    """The skills-sponsorship deduction estimate and every figure it used (euros)."""

    convention: bool = Field(description="Une convention de mécénat signée, avec un coût horaire.")
    hours: float | None
    hourly_loaded_cost_eur: float | None
    base_eur: float | None = Field(description="heures × coût horaire chargé.")
    rate: float | None
    deduction_before_cap_eur: float | None
    floor_cap_eur: float | None
    revenue_cap_eur: float | None = Field(description="0,5 % du chiffre d'affaires annuel.")
    cap_eur: float | None = Field(description="Le plus élevé de 20 000 € et de 0,5 % du CA.")
    capped: bool | None
    deduction_eur: float
    note: str


class PartnerReport(BaseModel):
    """What a partner's employees did in a year, and what it is worth to the partner."""

    organization: OrganizationView
    year: int
    interventions: int
    hours: float
    employees_mobilised: int
    employees: list[EmployeeRow]
    agreed_versus_done: AgreedVersusDone
    sponsorship: SponsorshipView
    items: list[InterventionRow]
