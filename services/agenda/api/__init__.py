"""Agenda's HTTP layer: request and answer models, and the routes."""
