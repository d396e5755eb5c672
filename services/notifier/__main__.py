"""``python -m services.notifier``: the notifier alone in its own process."""

from services.notifier.app import create_app
from shared.runtime import run_service

if __name__ == "__main__":
    run_service("notifier", create_app)
