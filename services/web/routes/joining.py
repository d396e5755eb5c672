"""« Nous rejoindre »: the ambassador's sign-up in the booklet's steps, the educational
staff's sign-up, and the confirmation page that sends people to their mailbox.

Every step posts to its own address, is checked here and by the API, and answers with
a redirect (POST, redirect, GET); what was typed waits in the session's draft.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from services.web.access import add_form_page
from services.web.client import Api, ApiRefusedError
from services.web.context import SITE, api_of
from services.web.domain import joining
from services.web.domain.forms import Form
from services.web.domain.joining import (
    AMBASSADOR_DRAFT,
    CHECK_PATH,
    SENT_DRAFT,
    SENT_PATH,
    STAFF_DRAFT,
    STEPS,
    Draft,
    Reference,
    Step,
)
from services.web.rendering import VISIT, render, see_other
from services.web.routes.establishments import establishment_options, find_establishments
from services.web.routes.partnership import add_partnership_routes, place_refusal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
StepHandler = Callable[[web.Request, Step, Draft], Awaitable[web.StreamResponse]]

STAFF_PATH = "/nous-rejoindre/equipe-educative"
STAFF_DETAILS_PATH = f"{STAFF_PATH}/informations"
_JOB_PAGES = 3  # 100 titles a page: every title of the catalogue when no sector is chosen

CHOICES = (
    ("ambassadeur", joining.BASE_PATH),
    ("equipe-educative", STAFF_PATH),
    ("partenaire", "/devenir-partenaire"),
)


def add_joining_routes(router: web.UrlDispatcher) -> None:
    """« Nous rejoindre » and its steps, and the staff's sign-up."""
    router.add_get("/nous-rejoindre", choose)
    router.add_get(joining.BASE_PATH, start)
    for step in STEPS:
        add_form_page(router, step.path, _at_step(step, _show_step), _at_step(step, _send_step))
    add_form_page(router, CHECK_PATH, check_answers, send_sign_up)
    router.add_get(SENT_PATH, sent)
    add_form_page(router, STAFF_PATH, staff_find, staff_choose)
    add_form_page(router, STAFF_DETAILS_PATH, staff_details, staff_send)
    add_partnership_routes(router)


async def reference_lists(api: Api) -> Reference:
    """The sectors and the territory the answers are checked against."""
    sectors, territory = await asyncio.gather(
        api.get("/accounts/sectors"), api.get("/accounts/territory")
    )
    return joining.reference_of(sectors, territory)


# --- the choice ---------------------------------------------------------------------------


async def choose(request: web.Request) -> web.StreamResponse:
    """Ambassador, educational team or partner organisation (a plain GET form)."""
    errors: dict[str, str] = {}
    wanted = request.query.get("choix", "")
    if "etape" in request.query:
        for value, path in CHOICES:
            if value == wanted:
                return see_other(path)
        errors["choix"] = "Choisissez comment vous souhaitez rejoindre Proch'Orientation."
    return await render(
        request, "joining/choose.html", {"errors": errors, "request_choice": wanted}
    )


# --- the ambassador's steps -------------------------------------------------------------------


async def _draft(request: web.Request) -> Draft:
    return Draft(request[VISIT].draft(AMBASSADOR_DRAFT))


async def _keep(request: web.Request, draft: Draft) -> None:
    await request[VISIT].save_draft(AMBASSADOR_DRAFT, draft.dump())


async def start(request: web.Request) -> web.StreamResponse:
    """The sign-up's first page, or where the person stopped."""
    draft = await _draft(request)
    missing = draft.first_missing()
    if missing is None:
        return see_other(CHECK_PATH)
    return see_other(missing.path)


def _at_step(step: Step, handle: StepHandler) -> Handler:
    """A handler of ``step``'s address, given the draft once every earlier step is
    answered: else the way back to the first one still unanswered (no step is skipped
    by typing its address)."""

    async def at_step(request: web.Request) -> web.StreamResponse:
        draft = await _draft(request)
        earlier = draft.missing_before(step)
        if earlier is not None:
            return see_other(earlier.path)
        return await handle(request, step, draft)

    at_step.__doc__ = f"« {step.title} »: {handle.__doc__}"
    return at_step


async def _show_step(request: web.Request, step: Step, draft: Draft) -> web.StreamResponse:
    """The step's page, with what was typed."""
    context = await _step_context(request, step, draft)
    return await render(request, f"joining/{step.slug.replace('-', '_')}.html", context)


async def _send_step(request: web.Request, step: Step, draft: Draft) -> web.StreamResponse:
    """Check the answers, keep them, go on."""
    form = Form.of(await request.post())
    part = await _check(request, step, form, draft)
    draft.record(step, form, part)
    await _keep(request, draft)
    return see_other(step.path if not form.ok else draft.next_path())


async def _check(request: web.Request, step: Step, form: Form, draft: Draft) -> dict[str, Any]:
    if step is joining.PROFILE:
        return joining.check_profile(form)
    if step is joining.IDENTITY:
        return joining.check_identity(form)
    if step is joining.ACTIVITY:
        return joining.check_activity(form, draft.profile, await reference_lists(api_of(request)))
    if step is joining.INTERVENTIONS:
        return joining.check_interventions(form)
    if step is joining.ZONE:
        return joining.check_zone(form, await reference_lists(api_of(request)))
    return joining.check_commitments(form)


async def _step_context(request: web.Request, step: Step, draft: Draft) -> dict[str, Any]:
    index = STEPS.index(step)
    context: dict[str, Any] = {
        "step": step,
        "number": index + 1,
        "count": len(STEPS),
        "back_path": STEPS[index - 1].path if index else "/nous-rejoindre",
        "heading": _heading(step, draft.profile),
        "form": listed(draft.values(step)),
        "errors": draft.errors(step),
        "profile": draft.profile,
    }
    api = api_of(request)
    if step is joining.PROFILE:
        context["options"] = joining.PROFILES
    elif step is joining.ACTIVITY:
        reference = await reference_lists(api)
        context["sectors"] = list(reference.sectors.items())
        context["employments"] = joining.EMPLOYMENTS
        if draft.profile == "professional":
            sector = str(context["form"].get("sector") or "")
            context["job_titles"] = await job_titles(
                api, sector if sector in reference.sectors else None
            )
    elif step is joining.INTERVENTIONS:
        context["options"] = joining.KINDS
    elif step is joining.ZONE:
        reference = await reference_lists(api)
        context["departments"] = [
            (code, f"{name} ({code})", None) for code, name in reference.departments.items()
        ]
        context["bassins"] = [(slug, name, None) for slug, name in reference.bassins.items()]
    elif step is joining.COMMITMENTS:
        context["charter"] = await api.get("/accounts/charter")
    return context


def _heading(step: Step, profile: str | None) -> str:
    if step is not joining.ACTIVITY:
        return step.title
    return {
        "professional": "Votre métier",
        "student": "La formation que vous suivez",
        "trainer": "La formation que vous dispensez",
    }.get(profile or "", step.title)


def listed(values: dict[str, Any]) -> dict[str, Any]:
    """Groups of checkboxes as lists, even when one box was ticked."""
    for name in ("interventions", "departments", "bassins"):
        if isinstance(values.get(name), str):
            values[name] = [values[name]]
    return values


async def job_titles(api: Api, sector: str | None) -> list[str]:
    """Suggestions for the job title: the chosen sector's, or the whole catalogue's."""
    titles: list[str] = []
    cursor: str | None = None
    for _ in range(_JOB_PAGES):
        page = await api.get(
            "/accounts/jobs", params={"sector": sector, "limit": 100, "cursor": cursor}
        )
        titles += [item["title"] for item in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return sorted(set(titles))


async def check_answers(request: web.Request) -> web.StreamResponse:
    """« Vérifiez vos réponses », each with its « Modifier » link."""
    draft = await _draft(request)
    missing = draft.first_missing()
    if missing is not None:
        return see_other(missing.path)
    reference = await reference_lists(api_of(request))
    return await render(
        request,
        "joining/check.html",
        {
            "sections": joining.summary_rows(draft, reference),
            "problem": draft.problem,
            "back_path": joining.COMMITMENTS.path,
            "titles": {step.slug: _heading(step, draft.profile) for step in STEPS},
        },
    )


async def send_sign_up(request: web.Request) -> web.StreamResponse:
    """Send the sign-up; a refusal goes back to the step and field it is about."""
    visit = request[VISIT]
    draft = await _draft(request)
    missing = draft.first_missing()
    if missing is not None:
        return see_other(missing.path)
    body = draft.body()
    try:
        await api_of(request).call("POST", "/accounts/ambassadors", json=body, anonymous=True)
    except ApiRefusedError as refusal:
        return await _refused(request, draft, refusal)
    await visit.drop_draft(AMBASSADOR_DRAFT)
    await visit.save_draft(SENT_DRAFT, {"email": body["email"]})
    return see_other(SENT_PATH)


async def _refused(request: web.Request, draft: Draft, refusal: ApiRefusedError) -> web.Response:
    placed: list[Step] = []
    for path, message in refusal.field_messages().items():
        place = joining.place_of_field(path)
        if place is not None:
            draft.refuse(place[0], place[1], message)
            placed.append(place[0])
    if not placed:
        place = joining.place_of_code(refusal.code)
        if place is not None:
            draft.refuse(place[0], place[1], refusal.message)
            placed.append(place[0])
    if not placed:
        draft.problem = refusal.message or "Votre inscription n'a pas pu être envoyée."
        await _keep(request, draft)
        return see_other(CHECK_PATH)
    await _keep(request, draft)
    first = min(placed, key=STEPS.index)
    return see_other(first.path)


async def sent(request: web.Request) -> web.StreamResponse:
    """« Vérifiez votre messagerie »: the link's validity and where to look for it."""
    settings = request.config_dict[SITE].settings
    hours = max(1, round(settings.confirmation_ttl_seconds / 3600))
    return await render(
        request,
        "joining/sent.html",
        {"email": request[VISIT].draft(SENT_DRAFT).get("email"), "hours": hours},
    )


# --- educational staff ---------------------------------------------------------------------


async def staff_find(request: web.Request) -> web.StreamResponse:
    """Find the establishment by name, town or UAI (a GET search), then choose it."""
    visit = request[VISIT]
    kept = visit.draft(STAFF_DRAFT)
    errors: dict[str, str] = {}
    results: list[Any] | None = None
    query = request.query.get("q")
    if query is not None:
        query = query.strip()
        if not query:
            errors["q"] = "Indiquez le nom, la commune ou le code UAI de votre établissement."
        else:
            results = await find_establishments(api_of(request), query)
    choice_error = kept.pop("choice_error", None)
    if choice_error:
        errors["uai"] = choice_error
        await visit.save_draft(STAFF_DRAFT, kept)
    options = establishment_options(results or [])
    return await render(
        request,
        "joining/staff_find.html",
        {
            "query": query or "",
            "results": results,
            "options": options,
            "errors": errors,
            "chosen": kept.get("establishment"),
        },
    )


async def staff_choose(request: web.Request) -> web.StreamResponse:
    """Carry the chosen establishment on to the personal information."""
    visit = request[VISIT]
    form = Form.of(await request.post())
    kept = visit.draft(STAFF_DRAFT)
    uai = form.text("uai")
    query = form.text("q")
    back = f"{STAFF_PATH}?q={_quoted(query)}" if query else STAFF_PATH
    if not uai:
        kept["choice_error"] = "Choisissez votre établissement dans la liste."
        await visit.save_draft(STAFF_DRAFT, kept)
        return see_other(back + "#uai")
    try:
        found = await api_of(request).get(f"/accounts/establishments/{_quoted(uai)}")
    except ApiRefusedError as refusal:
        kept["choice_error"] = refusal.message
        await visit.save_draft(STAFF_DRAFT, kept)
        return see_other(back)
    kept.pop("choice_error", None)
    kept["establishment"] = found
    await visit.save_draft(STAFF_DRAFT, kept)
    return see_other(STAFF_DETAILS_PATH)


def _quoted(value: str) -> str:
    return quote(value, safe="")


async def staff_details(request: web.Request) -> web.StreamResponse:
    """Name, email and position of the staff member of the chosen establishment."""
    kept = request[VISIT].draft(STAFF_DRAFT)
    if not kept.get("establishment"):
        return see_other(STAFF_PATH)
    return await render(
        request,
        "joining/staff_details.html",
        {
            "establishment": kept["establishment"],
            "form": kept.get("values") or {},
            "errors": kept.get("errors") or {},
        },
    )


async def staff_send(request: web.Request) -> web.StreamResponse:
    """Send the staff sign-up; refusals come back next to their field."""
    visit = request[VISIT]
    kept = visit.draft(STAFF_DRAFT)
    establishment = kept.get("establishment")
    if not establishment:
        return see_other(STAFF_PATH)
    form = Form.of(await request.post())
    body = joining.check_staff(form)
    if form.ok:
        body["establishment"] = joining.establishment_part(establishment)
        try:
            await api_of(request).call("POST", "/accounts/staff", json=body, anonymous=True)
        except ApiRefusedError as refusal:
            place_refusal(form, refusal, joining.STAFF_FIELDS, default="email")
        else:
            await visit.drop_draft(STAFF_DRAFT)
            await visit.save_draft(SENT_DRAFT, {"email": body["email"]})
            return see_other(SENT_PATH)
    kept.update(values=form.values, errors=form.errors)
    await visit.save_draft(STAFF_DRAFT, kept)
    return see_other(STAFF_DETAILS_PATH)
