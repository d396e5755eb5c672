"""« Devenir partenaire »: the partnership charter and the skills-sponsorship convention
explained, and an organisation's request to join (sent to accounts' partner requests)."""

from __future__ import annotations

from aiohttp import web

from services.web.access import add_form_page
from services.web.client import ApiRefusedError
from services.web.context import api_of
from services.web.domain import joining
from services.web.domain.forms import Form
from services.web.rendering import VISIT, render, see_other

PARTNERSHIP_PATH = "/devenir-partenaire"
PARTNERSHIP_SENT_PATH = f"{PARTNERSHIP_PATH}/demande-envoyee"
_DRAFT = "partner_request"
_SENT = "partner_request_sent"


def add_partnership_routes(router: web.UrlDispatcher) -> None:
    """The partnership page, its request form and the confirmation."""
    add_form_page(router, PARTNERSHIP_PATH, partnership, request_partnership)
    router.add_get(PARTNERSHIP_SENT_PATH, partnership_sent)


async def partnership(request: web.Request) -> web.StreamResponse:
    """What a partner organisation signs and gains, and the request form."""
    kept = request[VISIT].draft(_DRAFT)
    return await render(
        request,
        "public/partnership.html",
        {"form": kept.get("values") or {}, "errors": kept.get("errors") or {}},
    )


async def request_partnership(request: web.Request) -> web.StreamResponse:
    """Check and send the request; what was typed comes back with its problems."""
    visit = request[VISIT]
    form = Form.of(await request.post())
    body = joining.check_partner_request(form)
    if form.ok:
        try:
            await api_of(request).call(
                "POST", "/accounts/partner-requests", json=body, anonymous=True
            )
        except ApiRefusedError as refusal:
            place_refusal(form, refusal, joining.PARTNER_FIELDS, default="organization_name")
        else:
            await visit.drop_draft(_DRAFT)
            await visit.save_draft(
                _SENT, {"organization_name": body["organization_name"], "email": body["email"]}
            )
            return see_other(PARTNERSHIP_SENT_PATH)
    await visit.save_draft(_DRAFT, {"values": form.values, "errors": form.errors})
    return see_other(f"{PARTNERSHIP_PATH}#demande")


async def partnership_sent(request: web.Request) -> web.StreamResponse:
    """The request was received: who answers, and when."""
    return await render(
        request, "public/partnership_sent.html", {"sent": request[VISIT].draft(_SENT)}
    )


def place_refusal(
    form: Form, refusal: ApiRefusedError, fields: dict[str, str], *, default: str
) -> None:
    """Show an API refusal next to the field it is about (or the likeliest one)."""
    for path, message in refusal.field_messages().items():
        name = fields.get(path.split(".")[0])
        if name:
            form.fail(name, message)
    if form.ok:
        form.fail(default, refusal.message or "Votre demande n'a pas pu être envoyée.")
