"""Agenda's HTTP routes under ``/api/agenda``."""

from shared.http import Router


def make_router() -> Router:
    """A fresh router (one per application instance)."""
    return Router("agenda", "Proch'Orientation — agenda", "0.1.0")
