"""Command line of accounts: run the service, or create an admin account.

python -m services.accounts                       # serve on HTTP_HOST:HTTP_PORT
python -m services.accounts create-admin --email admin@example.org
    (the password is read from standard input, or asked twice on a terminal)
python -m services.accounts.cli import-establishments annuaire.csv [--bassins file.csv]
    (writes shared/reference/data/establishments.csv from the Annuaire de l'éducation:
    shared/reference/data/README.md)
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from services.accounts.app import create_app
from services.accounts.context import ACCOUNTS
from services.accounts.domain.passwords import password_problem, personal_words
from services.accounts.establishment_import import IMPORT_COMMAND, add_import_command, run_import
from services.accounts.joining import ensure_admin
from services.accounts.store import INDEXES
from shared.mongo import ensure_indexes
from shared.runtime import Platform, run_service
from shared.settings import Settings


def _read_password(email: str) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    while True:
        first = getpass.getpass("Mot de passe : ")
        problem = password_problem(first, personal=personal_words(email))
        if problem:
            print(problem, file=sys.stderr)
            continue
        if getpass.getpass("Confirmez le mot de passe : ") == first:
            return first
        print("Les deux saisies diffèrent, recommencez.", file=sys.stderr)


async def _create_admin(email: str, password: str, first_name: str, last_name: str) -> bool:
    settings = Settings()
    async with Platform.open(settings, process="accounts-cli", create_keys=True) as platform:
        app = create_app(platform)
        accounts = app[ACCOUNTS]
        await ensure_indexes(accounts.ctx.db, INDEXES)
        # The activation event waits in the outbox; the running service's sweep sends it
        # once this process's claim on it has lapsed (seconds).
        return await ensure_admin(
            accounts, email, password, first_name=first_name, last_name=last_name
        )


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``python -m services.accounts``."""
    parser = argparse.ArgumentParser(prog="python -m services.accounts")
    commands = parser.add_subparsers(dest="command")
    admin = commands.add_parser("create-admin", help="créer un compte administrateur actif")
    admin.add_argument("--email", required=True)
    admin.add_argument("--first-name", default="Administrateur")
    admin.add_argument("--last-name", default="Proch'Orientation")
    add_import_command(commands)
    arguments = parser.parse_args(argv)
    if arguments.command is None:
        run_service("accounts", create_app)
        return
    if arguments.command == IMPORT_COMMAND:
        run_import(arguments)
        return
    password = _read_password(arguments.email)
    problem = password_problem(password, personal=personal_words(arguments.email))
    if problem:
        sys.exit(problem)
    created = asyncio.run(
        _create_admin(arguments.email, password, arguments.first_name, arguments.last_name)
    )
    print(
        "Administrateur créé."
        if created
        else "Un compte existe déjà avec cette adresse : rien n'a changé."
    )


if __name__ == "__main__":
    main()
