"""``python -m services.notifier`` runs the service; ``… dkim-record`` prints the DNS record."""

from services.notifier.cli import main

main()
