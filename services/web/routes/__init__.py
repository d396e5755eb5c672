"""The site's pages, one module per area, each adding its routes with ``add_<area>_routes``."""

from __future__ import annotations

from aiohttp import web

from services.web.routes.admin import add_admin_routes
from services.web.routes.agenda import add_agenda_routes
from services.web.routes.ambassador_profile import add_ambassador_profile_routes
from services.web.routes.calendar import add_calendar_routes
from services.web.routes.directory import add_directory_routes
from services.web.routes.employer import add_employer_routes
from services.web.routes.engagement import add_engagement_routes
from services.web.routes.joining import add_joining_routes
from services.web.routes.links import add_link_routes
from services.web.routes.messaging import add_messaging_routes
from services.web.routes.my_data import add_my_data_routes
from services.web.routes.notifications import add_notification_routes
from services.web.routes.partners import add_partner_routes
from services.web.routes.profile import add_profile_routes
from services.web.routes.public import add_public_routes
from services.web.routes.referents import add_referent_routes
from services.web.routes.session import add_session_routes
from services.web.routes.solicit import add_solicit_routes
from services.web.routes.staff_checks import add_staff_check_routes
from services.web.routes.staff_establishment import add_staff_establishment_routes


def add_site_routes(router: web.UrlDispatcher) -> None:
    """Every page of the site."""
    add_public_routes(router)
    add_link_routes(router)
    add_session_routes(router)
    add_profile_routes(router)
    add_ambassador_profile_routes(router)
    add_employer_routes(router)
    add_staff_establishment_routes(router)
    add_engagement_routes(router)
    add_my_data_routes(router)
    add_notification_routes(router)
    add_joining_routes(router)
    add_agenda_routes(router)
    add_calendar_routes(router)
    add_directory_routes(router)
    add_solicit_routes(router)
    add_messaging_routes(router)
    add_referent_routes(router)
    add_staff_check_routes(router)
    add_partner_routes(router)
    add_admin_routes(router)
