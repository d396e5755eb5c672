"""Fuzz the four services' APIs from their own OpenAPI documents, as each demo role.

Schemathesis (a tool made for this) generates requests from each operation's schema,
valid ones and ones that break it, and checks every answer: never a server error, a
status the document lists, its content type and body shape. Its first runs found 500s
on dates at the ends of the calendar, on multipart bodies without a boundary, on tokens
of bytes that are not text and on an ambassador whose background was set to null (then
every read of the account failed), and JSON values converted from another type (``false``
taken as an amount of 0): each now has a test of its own.

The platform runs as in the embedded default, with its demo accounts, on its own store,
where the demo people first make a few records of each kind (``tools/fuzz_world.py``), so
that schemathesis' stateful phase chains real ids from the listings into the operations
on one record. Each service is fuzzed signed out and as the demo ambassador, staff
member, referent and administrator. Left out: signing out, changing one's password or
email address and every DELETE, which would end the session the run uses or the demo
data it stands on.

Run: ``make fuzz`` (``FUZZ_ARGS="--examples 20 --seed N"``; ``--checks`` and
``--phases`` take schemathesis' own names). Prints what each run generated and how its
requests were answered (the shares of 2xx, refused input, refused person, not found,
other), then schemathesis' report of each failure, with the request that reproduces it;
exits 1 on a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.servers import served_site
from bench.web_pages import SERVICES, api_token
from services.accounts.demo import DEMO_ACCOUNTS
from tools.fuzz_world import Http, seed

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
PHASES = "examples,coverage,fuzzing,stateful"
EXCLUDED_PATHS = r"^/sessions|^/me/password$|^/me/email"
# Where schemathesis keeps its caches (the runs start there, out of the tree).
FINDINGS = Path(__file__).resolve().parents[1] / "var" / "fuzz"
# Loaded by schemathesis: messaging's long waits cut short (see the file).
HOOKS = Path(__file__).resolve().parent / "fuzz_hooks.py"
# One run's time at most: a run that hangs is a finding too.
RUN_TIMEOUT_SECONDS = 900
_CASES = re.compile(r"^\s*(\d+) generated.*$", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """One service fuzzed as one person: what schemathesis said."""

    service: str
    role: str
    failed: bool
    summary: str
    report: str


def _first_of_each_role() -> dict[str, tuple[str, str]]:
    accounts: dict[str, tuple[str, str]] = {}
    for role, email, password in DEMO_ACCOUNTS:
        accounts.setdefault(role, (email, password))
    return accounts


def _answers(har: Path) -> str:
    """How a run's requests were answered, in shares: did they reach the records' code?"""
    try:
        entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    except (OSError, ValueError, KeyError):
        return "no record of the answers"
    statuses = [int(entry["response"]["status"]) for entry in entries]
    if not statuses:
        return "no request"
    kinds = {"2xx": range(200, 300), "400/422": (400, 422), "401/403": (401, 403), "404": (404,)}
    counts = {kind: sum(status in among for status in statuses) for kind, among in kinds.items()}
    counts["other"] = len(statuses) - sum(counts.values())
    return " ".join(f"{kind} {100 * count // len(statuses)}%" for kind, count in counts.items())


async def fuzz(
    schemathesis: str, base: str, service: str, role: str, token: str | None, args: list[str]
) -> Run:
    """Schemathesis against ``service``, with ``token`` (signed out without one)."""
    har = FINDINGS / f"{service}-{role.replace(' ', '-')}.har"
    command = [
        schemathesis, "--no-color", "run", f"{base}/api/{service}/openapi.json", *args,
        "--report", "har", "--report-har-path", str(har),
    ]  # fmt: skip
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    FINDINGS.mkdir(parents=True, exist_ok=True)
    har.unlink(missing_ok=True)
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=FINDINGS,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), RUN_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        return Run(service, role, True, f"no answer after {RUN_TIMEOUT_SECONDS} s", "")
    report = output.decode(errors="replace").replace(token or "\0", "<token>")
    cases = _CASES.search(report)
    summary = cases.group(0).strip() if cases else report.strip().splitlines()[-1:][0]
    return Run(service, role, process.returncode != 0, f"{summary}; {_answers(har)}", report)


def _command(name: str) -> str | None:
    """``name``'s executable as an absolute path (the runs start in FINDINGS)."""
    found = shutil.which(name)
    return str(Path(found).absolute()) if found else None


async def main() -> int:
    """Serve the platform, fuzz each service as each role, print; 1 on a failure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--examples", type=int, default=10, help="cases per operation")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--phases", default=PHASES, help="schemathesis' phases, comma-separated")
    parser.add_argument("--checks", default=CHECKS, help="schemathesis' checks, comma-separated")
    parser.add_argument("--schemathesis", default="st", help="its command (`make fuzz`'s own)")
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    schemathesis = _command(options.schemathesis)
    if schemathesis is None:
        print(f"no {options.schemathesis}: `make fuzz` installs schemathesis", file=sys.stderr)
        return 2
    args = [
        "--checks", options.checks,
        "--max-examples", str(options.examples),
        "--phases", options.phases,
        "--exclude-method", "DELETE",
        "--exclude-path-regex", EXCLUDED_PATHS,
    ]  # fmt: skip
    if options.seed is not None:
        args += ["--seed", str(options.seed)]
    runs: list[Run] = []
    async with served_site(SERVICES, process="fuzz") as base, aiohttp.ClientSession() as http:
        people: dict[str, str | None] = {"signed out": None}
        for role, (email, password) in _first_of_each_role().items():
            people[role] = await api_token(http, base, email, password)
        await seed(base, {role: Http(http, base, token) for role, token in people.items()})
        for service in SERVICES:
            for role, token in people.items():
                run = await fuzz(schemathesis, base, service, role, token, args)
                print(
                    f"{service:<10} {role:<11} {'FAILED' if run.failed else 'ok':<7} {run.summary}"
                )
                runs.append(run)
    for run in (run for run in runs if run.failed):
        print(f"\n===== {run.service}, {run.role} =====\n{run.report}")
    return 1 if any(run.failed for run in runs) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
