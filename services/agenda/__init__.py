"""Agenda: solicitations, appointments, reminders, notifications feed, statistics."""
