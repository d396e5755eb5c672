"""Run the agenda service alone: ``python -m services.agenda``."""

from services.agenda.app import create_app
from shared.runtime import run_service

if __name__ == "__main__":
    run_service("agenda", create_app)
