"""What an ambassador presents, and where: the job or training, the kinds of
intervention, the zone. The same fields and checks as at sign-up, saved at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from services.web.access import add_form_page, requires
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain import joining
from services.web.domain.forms import Form
from services.web.rendering import VISIT, render, see_other
from services.web.routes.joining import job_titles, listed, reference_lists
from services.web.routes.profile import me_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Each page: its address under /mon-profil, its template, and the step it reuses.
PAGES = {
    "metier": joining.ACTIVITY,
    "interventions": joining.INTERVENTIONS,
    "zone": joining.ZONE,
}
_TEMPLATES = {
    joining.ACTIVITY: "joining/metier_ou_formation.html",
    joining.INTERVENTIONS: "joining/interventions.html",
    joining.ZONE: "joining/zone.html",
}
_SAVED = {
    joining.ACTIVITY: "Votre métier ou votre formation a été mis à jour.",
    joining.INTERVENTIONS: "Les interventions que vous acceptez ont été mises à jour.",
    joining.ZONE: "Votre zone d'intervention a été mise à jour.",
}


def add_ambassador_profile_routes(router: web.UrlDispatcher) -> None:
    """``/mon-profil/metier``, ``/mon-profil/interventions``, ``/mon-profil/zone``."""
    for slug, step in PAGES.items():
        add_form_page(router, f"/mon-profil/{slug}", _page(step, slug), _save(step, slug))


def _page(step: joining.Step, slug: str) -> Handler:
    @requires("ambassador")
    async def page(request: web.Request) -> web.StreamResponse:
        ambassador = (await me_of(request))["ambassador"]
        context = await _context(request, step, slug, ambassador, _kept(step, ambassador))
        return await render(request, _TEMPLATES[step], context)

    page.__doc__ = f"« {step.title} », filled with what accounts keeps."
    return page


def _save(step: joining.Step, slug: str) -> Handler:
    @requires("ambassador")
    async def save(request: web.Request) -> web.StreamResponse:
        ambassador = (await me_of(request))["ambassador"]
        form = Form.of(await request.post())
        part = await _checked(request, step, form, ambassador["profile"])
        if form.ok:
            try:
                changes = {name: value for name, value in part.items() if value is not None}
                await api_of(request).call("PATCH", "/accounts/me", json=changes)
            except ApiRefusedError as refused:
                messages = refused.field_messages()
                for field, message in messages.items():
                    place = joining.place_of_field(field)
                    form.fail(place[1] if place else _first_field(step), message)
                if not messages:
                    form.fail(_first_field(step), refused.message)
            else:
                await request[VISIT].flash(_SAVED[step])
                return see_other("/mon-profil")
        context = await _context(request, step, slug, ambassador, listed(dict(form.values)))
        context["errors"] = form.errors
        return await render(request, _TEMPLATES[step], context, status=422)

    save.__doc__ = f"« {step.title} »: the sign-up's checks, then the change at accounts."
    return save


async def _checked(
    request: web.Request, step: joining.Step, form: Form, profile: str
) -> dict[str, Any]:
    if step is joining.INTERVENTIONS:
        return joining.check_interventions(form)
    reference = await reference_lists(api_of(request))
    if step is joining.ZONE:
        return joining.check_zone(form, reference)
    return joining.check_activity(form, profile, reference)


async def _context(
    request: web.Request,
    step: joining.Step,
    slug: str,
    ambassador: dict[str, Any],
    values: dict[str, Any],
) -> dict[str, Any]:
    """What the sign-up's step template needs, in the profile's layout."""
    api = api_of(request)
    context: dict[str, Any] = {
        "layout": "profile/_ambassador_step.html",
        "action": f"/mon-profil/{slug}",
        "heading": step.title,
        "form": values,
        "errors": {},
        "profile": ambassador["profile"],
    }
    if step is joining.INTERVENTIONS:
        context["options"] = joining.KINDS
        return context
    reference = await reference_lists(api)
    if step is joining.ZONE:
        context["departments"] = [
            (code, f"{name} ({code})", None) for code, name in reference.departments.items()
        ]
        context["bassins"] = [(code, name, None) for code, name in reference.bassins.items()]
        return context
    context["heading"] = (
        "Votre métier" if ambassador["profile"] == "professional" else "Votre formation"
    )
    context["sectors"] = list(reference.sectors.items())
    context["employments"] = joining.EMPLOYMENTS
    if ambassador["profile"] == "professional":
        sector = str(values.get("sector") or "")
        context["job_titles"] = await job_titles(
            api, sector if sector in reference.sectors else None
        )
    return context


def _kept(step: joining.Step, ambassador: dict[str, Any]) -> dict[str, Any]:
    """The form's values from what accounts keeps."""
    if step is joining.INTERVENTIONS:
        return {
            "interventions": list(ambassador["interventions"]),
            "online": "oui" if ambassador.get("online") else "",
        }
    if step is joining.ZONE:
        return {
            "departments": list(ambassador["zone"]["departments"]),
            "bassins": list(ambassador["zone"]["bassins"]),
        }
    values: dict[str, Any] = {"background": ambassador.get("background") or ""}
    job, training = ambassador.get("job"), ambassador.get("training")
    if job:
        values.update(
            sector=job["sector"],
            job_title=job["title"],
            employment=job.get("employment") or "",
            employer=job.get("employer") or "",
            employer_agreement="oui" if job.get("employer_agreement") else "",
        )
    if training:
        values.update(
            training_name=training["name"],
            training_level=training["level"],
            training_establishment=training["establishment"],
        )
    return values


def _first_field(step: joining.Step) -> str:
    return {joining.INTERVENTIONS: "interventions", joining.ZONE: "departments"}.get(
        step, "background"
    )
