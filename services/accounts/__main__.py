"""``python -m services.accounts`` runs the service; ``… create-admin`` creates an admin."""

from services.accounts.cli import main

main()
