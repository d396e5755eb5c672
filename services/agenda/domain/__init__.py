"""Agenda's rules, with no I/O: model, status machine, schedule, territory, calendar."""
