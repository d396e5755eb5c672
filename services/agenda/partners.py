"""Partners' yearly report and agenda's copy of their organizations.

Employees appear only if they linked themselves to the organization (their profile
carries its id), and only for interventions held while linked (the appointment keeps
the organization of the day). An employee who since left the programme still counts,
anonymously: the hours were given, and the attestation must not shrink.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from services.agenda import errors
from services.agenda.context import Agenda
from services.agenda.domain.labels import KIND_LABELS
from services.agenda.domain.model import OrganizationCopy
from services.agenda.domain.sponsorship import Convention, sponsorship_estimate
from services.agenda.domain.statistics import calendar_year, hours, rate
from services.agenda.erasure import GONE_NAMES
from services.agenda.shapes.partners import (
    AgreedVersusDone,
    EmployeeRow,
    InterventionRow,
    OrganizationView,
    PartnerReport,
    SponsorshipView,
)
from shared.french import PARIS
from shared.http import Principal

NO_CONVENTION = (
    "Aucune convention de mécénat de compétences signée (avec un coût horaire chargé) : "
    "pas de réduction d'impôt estimée."
)
ESTIMATE_NOTE = (
    "Estimation indicative : réduction de 60 % de la valorisation (heures × coût horaire "
    "chargé), dans la limite de 20 000 € ou de 0,5 % du chiffre d'affaires annuel si ce "
    "montant est plus élevé. Elle ne remplace pas le reçu fiscal."
)


def convention_of(organization: OrganizationCopy) -> Convention | None:
    """The signed convention's figures, if there is one the estimate can use."""
    terms = organization.sponsorship
    if terms is None or terms.signed_at is None or terms.hourly_loaded_cost_eur is None:
        return None
    revenue = terms.annual_revenue_eur
    return Convention(
        hourly_loaded_cost_eur=Decimal(str(terms.hourly_loaded_cost_eur)),
        annual_revenue_eur=Decimal(str(revenue)) if revenue is not None else None,
    )


def _sponsorship(minutes: int, convention: Convention | None) -> SponsorshipView:
    estimate = sponsorship_estimate(minutes, convention)
    if estimate is None:
        # Nothing was estimated: every figure of the view is null.
        figures: dict[str, float | bool | None] = dict.fromkeys(SponsorshipView.model_fields)
        return SponsorshipView.model_validate(
            figures | {"convention": False, "deduction_eur": 0.0, "note": NO_CONVENTION}
        )
    # The view names each figure as the estimate does; amounts become JSON numbers.
    figures = {
        name: float(value) if isinstance(value, Decimal) else value
        for name, value in asdict(estimate).items()
    }
    return SponsorshipView.model_validate(figures | {"convention": True, "note": ESTIMATE_NOTE})


async def readable_organization(
    agenda: Agenda, principal: Principal, organization_id: str
) -> OrganizationCopy:
    """The organization if the caller may read its report; 404 otherwise.

    A partner reads their own organization's only; another one is "not found", so a
    partner cannot learn which organizations exist.
    """
    if principal.role == "partner" and principal.organization_id != organization_id:
        raise errors.ORGANIZATION_NOT_FOUND.error()
    organization = await agenda.store.organization(organization_id)
    if organization is None:
        raise errors.ORGANIZATION_NOT_FOUND.error()
    return organization


async def report(
    agenda: Agenda, principal: Principal, organization_id: str, year: int | None
) -> PartnerReport:
    """Interventions held in ``year`` by the organization's linked employees, and the estimate."""
    organization = await readable_organization(agenda, principal, organization_id)
    year = year or agenda.now().astimezone(PARIS).year
    period = calendar_year(year)
    store = agenda.store
    linked = await store.employees_of(organization_id)
    held = [
        appointment
        for appointment in await store.completed_for_organization(
            organization_id, period.start, period.end
        )
        if appointment.ambassador_id in linked or "ambassador" in appointment.anonymised
    ]
    employees: dict[str | None, EmployeeRow] = {}
    minutes_by: dict[str | None, int] = {}
    items = []
    for appointment in held:
        gone = "ambassador" in appointment.anonymised
        key = None if gone else appointment.ambassador_id
        name = GONE_NAMES["ambassador"] if gone else appointment.ambassador.name
        minutes_by[key] = minutes_by.get(key, 0) + appointment.duration_minutes
        row = employees.setdefault(
            key, EmployeeRow(ambassador_id=key, name=name, interventions=0, hours=0)
        )
        row.interventions += 1
        row.hours = hours(minutes_by[key])
        items.append(
            InterventionRow(
                appointment_id=appointment.id,
                starts_at=appointment.starts_at,
                kind=appointment.kind,
                kind_label=KIND_LABELS[appointment.kind],
                establishment=appointment.establishment.name,
                city=appointment.establishment.city,
                employee=name,
                hours=hours(appointment.duration_minutes),
            )
        )
    minutes = sum(minutes_by.values())
    terms = organization.sponsorship
    agreed = terms.agreed_interventions if terms is not None else None
    done = len(held)
    return PartnerReport(
        organization=OrganizationView(
            id=organization.id, name=organization.name, siret=organization.siret
        ),
        year=year,
        interventions=done,
        hours=hours(minutes),
        employees_mobilised=len({appointment.ambassador_id for appointment in held}),
        employees=sorted(employees.values(), key=lambda row: (row.ambassador_id is None, row.name)),
        agreed_versus_done=AgreedVersusDone(
            agreed=agreed,
            done=done,
            rate=None
            if agreed is None or (share := rate(done, agreed)) is None
            else round(share, 4),
        ),
        sponsorship=_sponsorship(minutes, convention_of(organization)),
        items=items,
    )
