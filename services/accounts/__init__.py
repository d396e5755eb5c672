"""The accounts service: people, roles, profiles, sessions, the ambassador directory."""
