"""Messaging's HTTP routes under ``/api/messaging``."""

from shared.http import Router


def make_router() -> Router:
    """A fresh router (one per application instance)."""
    return Router("messaging", "Proch'Orientation — messagerie", "0.1.0")
