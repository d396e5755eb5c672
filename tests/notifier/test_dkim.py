"""DKIM: every email the SMTP server receives verifies against the published key.

The public key reaches dkimpy's verifier through its ``dnsfunc`` argument, as the DNS
would give it once the record printed by ``python -m services.notifier dkim-record``
is published.
"""

from __future__ import annotations

import base64
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from services.notifier.dkim import DkimSettingsError, load_signer
from shared.contracts.agenda import AppointmentAccepted, SolicitationCreated
from shared.events import Event
from shared.settings import Settings
from tests.fixtures.platform import running
from tests.fixtures.smtp import ReceivedMail, SmtpServer
from tests.notifier import dkim_keys, samples
from tests.notifier.conftest import NotifierDatabase, notifier, publish_all
from tests.notifier.samples import (
    AMBASSADOR_EMAIL,
    REFERENT_EMAIL,
    REFERENT_ID,
    REQUESTER_EMAIL,
    REQUESTER_ID,
)

MakeSettings = Callable[..., Settings]
REPO = Path(__file__).resolve().parents[2]


def published_record() -> str:
    """The TXT record of the test key, computed here from the key itself."""
    key = load_pem_private_key(dkim_keys.private_pem().encode(), password=None)
    der = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return f"v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}"


def signature_tags(mail: ReceivedMail) -> dict[str, str]:
    header = " ".join(str(mail.message["DKIM-Signature"]).split())
    tags = (part.strip().partition("=") for part in header.split(";") if part.strip())
    return {name.strip(): value.strip() for name, _, value in tags}


def contacts() -> list[Event]:
    return [
        samples.activated(),
        samples.activated(REQUESTER_ID, REQUESTER_EMAIL, "Paul", "staff"),
        samples.activated(REFERENT_ID, REFERENT_EMAIL, "Nadia", "referent"),
    ]


async def test_every_email_received_is_signed_and_verifies_against_the_published_key(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    settings = make_settings(**smtp_server.settings(), **dkim_keys.settings())
    appointment = samples.facts()
    events = [
        samples.registered(),
        SolicitationCreated(appointment=appointment, requester_role="staff"),
        # An invitation: multipart/mixed with a calendar part and an attachment.
        samples.every_event()[11],
        # The relay's emails: From and Reply-To are the masked alias.
        samples.relayed(),
    ]
    assert isinstance(events[2], AppointmentAccepted)
    async with running(settings, {"notifier": notifier()}) as run:
        await publish_all(run.platform, contacts())
        await notifier_db.wait_finished(3)
        await publish_all(run.platform, events)
        await notifier_db.wait_finished(3 + 5)

    received = list(smtp_server.inbox)
    assert len(received) == 8
    dns = dkim_keys.dns(published_record())
    for mail in received:
        assert dkim.verify(mail.raw, dnsfunc=dns), mail.message["Subject"]
        tags = signature_tags(mail)
        assert (tags["d"], tags["s"], tags["c"], tags["a"]) == (
            "prochorientation.fr",
            "po2026",
            "relaxed/relaxed",
            "rsa-sha256",
        )
        signed = [name.strip() for name in tags["h"].split(":")]
        for name in ("from", "to", "subject", "date", "message-id", "mime-version"):
            assert name in signed, name
        assert "content-type" in signed
        # Oversigned: a second From or Subject added on the way would break it.
        assert signed.count("from") == 2
        assert signed.count("subject") == 2
    [relayed] = [m for m in received if m.message["Subject"] == samples.relayed().subject]
    assert "reply-to" in [name.strip() for name in signature_tags(relayed)["h"].split(":")]
    assert relayed.rcpt_tos == [REQUESTER_EMAIL]


async def test_a_changed_header_or_body_no_longer_verifies(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    settings = make_settings(**smtp_server.settings(), **dkim_keys.settings())
    async with running(settings, {"notifier": notifier()}) as run:
        await publish_all(run.platform, [samples.registered()])
        [mail] = await smtp_server.wait_for(1, to=AMBASSADOR_EMAIL)
        await notifier_db.wait_finished(1)

    dns = dkim_keys.dns(published_record())
    assert dkim.verify(mail.raw, dnsfunc=dns)
    # Relaxed canonicalisation forgives refolding and trailing spaces...
    refolded = mail.raw.replace(b"\r\nSubject: ", b"\r\nSubject:   ", 1)
    assert dkim.verify(refolded, dnsfunc=dns)
    # ...not a changed word, nor a header added on the way.
    assert not dkim.verify(mail.raw.replace(b"Confirmez", b"Validez", 1), dnsfunc=dns)
    added = b"Reply-To: escroc@exemple.org\r\n" + mail.raw
    assert not dkim.verify(added, dnsfunc=dns)
    # Nor does another key published under the selector.
    other = rsa.generate_private_key(public_exponent=65_537, key_size=2048)
    other_der = other.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    other_record = f"v=DKIM1; k=rsa; p={base64.b64encode(other_der).decode()}"
    assert not dkim.verify(mail.raw, dnsfunc=dkim_keys.dns(other_record))


async def test_without_dkim_settings_mail_goes_unsigned(
    make_settings: MakeSettings, smtp_server: SmtpServer, notifier_db: NotifierDatabase
) -> None:
    async with running(make_settings(**smtp_server.settings()), {"notifier": notifier()}) as run:
        await publish_all(run.platform, [samples.registered()])
        [mail] = await smtp_server.wait_for(1, to=AMBASSADOR_EMAIL)
        await notifier_db.wait_finished(1)

    assert "DKIM-Signature" not in mail.message
    assert b"DKIM-Signature" not in mail.raw


def ec_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"dkim_selector": None}, "il manque DKIM_SELECTOR"),
        ({"dkim_private_key": None}, "il manque DKIM_PRIVATE_KEY"),
        ({"dkim_private_key": "pas une clé"}, "n'est pas une clé privée RSA au format PEM"),
        ({"dkim_private_key": ec_key()}, "doit être une clé RSA"),
        ({"dkim_domain": "pas un domaine"}, "DKIM_DOMAIN n'est pas un nom de domaine"),
        ({"dkim_selector": "po/2026"}, "DKIM_SELECTOR doit être fait de lettres"),
        ({"dkim_private_key_file": Path("/nonexistent/dkim.pem")}, "sont tous deux définis"),
    ],
)
def test_unusable_dkim_settings_are_refused_with_their_reason(
    make_settings: MakeSettings, changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(DkimSettingsError, match=reason):
        load_signer(make_settings(**dkim_keys.settings(**changes)))


def test_an_unreadable_key_file_is_refused(make_settings: MakeSettings, tmp_path: Path) -> None:
    settings = make_settings(
        **dkim_keys.settings(dkim_private_key=None, dkim_private_key_file=tmp_path / "absent.pem")
    )
    with pytest.raises(DkimSettingsError, match="DKIM_PRIVATE_KEY_FILE désigne un fichier"):
        load_signer(settings)


async def test_the_notifier_does_not_start_with_a_bad_key(
    make_settings: MakeSettings, smtp_server: SmtpServer
) -> None:
    settings = make_settings(
        **smtp_server.settings(), **dkim_keys.settings(dkim_private_key="-----BEGIN")
    )
    with pytest.raises(DkimSettingsError, match="clé privée RSA"):
        async with running(settings, {"notifier": notifier()}):
            pass


def notifier_command(
    *arguments: str, tmp_path: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    """``python -m services.notifier …`` with only these DKIM settings."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DKIM_")}
    environment.update(variables, DATA_DIR=str(tmp_path), LOG_JSON="false")
    return subprocess.run(
        [sys.executable, "-m", "services.notifier", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_dkim_record_command_prints_the_txt_record_of_the_key(tmp_path: Path) -> None:
    shown = notifier_command(
        "dkim-record",
        tmp_path=tmp_path,
        DKIM_DOMAIN="prochorientation.fr",
        DKIM_SELECTOR="po2026",
        DKIM_PRIVATE_KEY_FILE=str(dkim_keys.write_key(tmp_path)),
    )

    assert shown.returncode == 0, shown.stderr
    name, kind, text = shown.stdout.strip().split(" ", 2)
    assert (name, kind) == ("po2026._domainkey.prochorientation.fr", "TXT")
    assert text == f'"{published_record()}"'
    # Published as printed, it verifies what the notifier signs.
    signer = load_signer(Settings(**dkim_keys.settings()))  # type: ignore[arg-type]
    assert signer is not None
    signed = signer.sign(b"From: a@prochorientation.fr\r\nSubject: Test\r\n\r\nBonjour\r\n")
    assert dkim.verify(signed, dnsfunc=dkim_keys.dns(text.strip('"')))


def test_a_bad_key_stops_the_command_with_its_reason_and_no_traceback(tmp_path: Path) -> None:
    for arguments in ((), ("dkim-record",)):
        shown = notifier_command(
            *arguments,
            tmp_path=tmp_path,
            DKIM_DOMAIN="prochorientation.fr",
            DKIM_SELECTOR="po2026",
            DKIM_PRIVATE_KEY="pas une clé",
        )
        assert shown.returncode == 1
        assert "notifier : la clé DKIM n'est pas une clé privée RSA" in shown.stderr
        assert "Traceback" not in shown.stderr


def test_dkim_record_without_a_key_says_none_is_configured(tmp_path: Path) -> None:
    shown = notifier_command("dkim-record", tmp_path=tmp_path)

    assert shown.returncode == 1
    assert "aucune clé DKIM configurée" in shown.stderr


def test_from_domains_outside_the_signing_domain_are_named_for_dmarc() -> None:
    signer = load_signer(Settings(**dkim_keys.settings()))  # type: ignore[arg-type]
    assert signer is not None

    assert signer.unaligned("prochorientation.fr", "relais.prochorientation.fr") == []
    assert signer.unaligned("Prochorientation.FR") == []
    assert signer.unaligned("relay.localhost", "autre-prochorientation.fr") == [
        "relay.localhost",
        "autre-prochorientation.fr",
    ]


async def test_the_notifier_warns_at_start_when_dmarc_would_not_align(
    make_settings: MakeSettings, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(**smtp_server.settings(), **dkim_keys.settings())
    with caplog.at_level(logging.WARNING, logger="services.notifier"):
        async with running(settings, {"notifier": notifier()}):
            pass

    warned = [r.getMessage() for r in caplog.records if "DMARC" in r.getMessage()]
    assert warned == [
        "emails from prochorientation.localhost are signed for prochorientation.fr: "
        "DMARC will not count the signature",
        "emails from relay.localhost are signed for prochorientation.fr: "
        "DMARC will not count the signature",
    ]
