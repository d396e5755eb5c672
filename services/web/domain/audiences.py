"""Who each part of the site is for: the groups of roles its pages open to.

The pages' guards (``requires``) and « Plan du site » name the same groups, so the map
lists a page for exactly the people its guard lets in (a test compares the two).
"""

from __future__ import annotations

AMBASSADOR = ("ambassador",)
STAFF = ("staff",)
PARTNER = ("partner",)
ADMIN = ("admin",)
# Those who invite ambassadors into classes: they solicit, publish calls, take slots.
ORGANISERS = ("staff", "referent")
# The parties of appointments and of their conversations.
AGENDA_ROLES = ("ambassador", *ORGANISERS)
# Calls for participation: their parties, and the administrators who oversee them.
CALL_ROLES = (*AGENDA_ROLES, "admin")
# Those who look for ambassadors: the organisers, and the administrators who oversee.
DIRECTORY_ROLES = (*ORGANISERS, "admin")
# Those who run the network: the work queue, the territory's ambassadors, statistics.
STEERS = ("referent", "admin")
