"""Command line of the notifier: run the service, or print the DKIM record to publish.

python -m services.notifier                 # serve on HTTP_HOST:HTTP_PORT
python -m services.notifier dkim-record     # the DNS TXT record of the DKIM_* key
"""

from __future__ import annotations

import argparse
import sys

from services.notifier.app import create_app
from services.notifier.dkim import DkimSettingsError, load_signer
from shared.runtime import run_service
from shared.settings import Settings

DKIM_RECORD_COMMAND = "dkim-record"


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m services.notifier``."""
    parser = argparse.ArgumentParser(prog="python -m services.notifier")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser(
        DKIM_RECORD_COMMAND,
        help="afficher l'enregistrement DNS (TXT) de la clé DKIM configurée",
    )
    arguments = parser.parse_args(argv)
    # Unusable DKIM settings stop the process with their reason, not a traceback.
    try:
        signer = load_signer(Settings())
    except DkimSettingsError as error:
        sys.exit(f"notifier : {error}")
    if arguments.command == DKIM_RECORD_COMMAND:
        if signer is None:
            sys.exit(
                "notifier : aucune clé DKIM configurée "
                "(DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY ou DKIM_PRIVATE_KEY_FILE)"
            )
        print(signer.dns_record())
        return
    run_service("notifier", create_app)


if __name__ == "__main__":
    main()
