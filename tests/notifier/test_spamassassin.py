"""SpamAssassin's verdict on one email of every template, as a deployment sends it.

Debian's ``spamassassin`` runs with its local rules only (``-L``: no DNS blocklist, no
network test), no Bayes database and a folder of its own, on each template rendered
with realistic facts (the deployment's domain, links on its public address) and
DKIM-signed. Every score must stay under 1.0 (5.0 marks spam). Without the program
the test is skipped, unless ``REQUIRE_SPAMASSASSIN=1`` (set by CI) makes that a failure.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.notifier import realistic

MAX_SCORE = 1.0
_STATUS = re.compile(r"score=(?P<score>-?[0-9.]+)\s.*?tests=(?P<tests>.*?)(?:\s[a-z_]+=|$)")


def spamassassin_or_skip() -> str:
    found = shutil.which("spamassassin")
    if found:
        return found
    reason = "no spamassassin program (Debian package « spamassassin »)"
    if os.environ.get("REQUIRE_SPAMASSASSIN") == "1":
        pytest.fail(f"REQUIRE_SPAMASSASSIN=1 but {reason}")
    pytest.skip(reason)


def verdicts(program: str, raws: list[bytes], folder: Path) -> dict[str, tuple[float, str]]:
    """Score and rules hit of each message, by Message-ID: one run over an mbox."""
    inbox = mailbox.mbox(folder / "in.mbox")
    for raw in raws:
        inbox.add(raw.replace(b"\r\n", b"\n"))
    inbox.flush()
    home = folder / "home"
    home.mkdir()
    with (folder / "in.mbox").open("rb") as stdin:
        ran = subprocess.run(
            [
                "timeout",
                "300",
                program,
                "--local",
                "--mbox",
                "--test-mode",
                "--nocreate-prefs",
                "--cf=use_bayes 0",
                "--cf=bayes_auto_learn 0",
            ],
            stdin=stdin,
            capture_output=True,
            env={**os.environ, "HOME": str(home)},
            timeout=330,
            check=False,
        )
    assert ran.returncode == 0, ran.stderr.decode(errors="replace")
    (folder / "out.mbox").write_bytes(ran.stdout)
    found: dict[str, tuple[float, str]] = {}
    for message in mailbox.mbox(folder / "out.mbox"):
        parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
        status = _STATUS.search(" ".join(str(parsed["X-Spam-Status"]).split()))
        assert status is not None, parsed["X-Spam-Status"]
        rules = status["tests"].replace(" ", "")
        found[str(parsed["Message-ID"])] = (float(status["score"]), rules)
    return found


def test_every_template_scores_under_one_with_spamassassin_local_rules(tmp_path: Path) -> None:
    program = spamassassin_or_skip()
    emails = realistic.one_email_per_template(signed=True)
    for sent in emails.values():
        assert sent.raw.startswith(b"DKIM-Signature:"), sent.template

    scores = verdicts(program, [sent.raw for sent in emails.values()], tmp_path)

    by_template = {name: scores[str(sent.message["Message-ID"])] for name, sent in emails.items()}
    report = "\n".join(
        f"{name}: {score} ({rules})" for name, (score, rules) in sorted(by_template.items())
    )
    assert len(by_template) == len(emails)
    for name, (score, _) in by_template.items():
        assert score < MAX_SCORE, f"{name} scores {score}:\n{report}"
