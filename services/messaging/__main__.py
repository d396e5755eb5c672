"""Run the messaging service alone: ``python -m services.messaging``."""

from services.messaging.app import create_app
from shared.runtime import run_service

if __name__ == "__main__":
    run_service("messaging", create_app)
