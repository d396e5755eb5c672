"""Every secret setting also reads ``NAME_FILE``: the value in a file, read by the
settings themselves (no container entry point involved)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from embedded.ports import free_port
from services.web.settings import WebSettings
from shared.keys import generate_key_pair
from shared.secret_files import SecretFileError
from shared.settings import Settings
from tests.fixtures.rabbit import wait_until

REPO = Path(__file__).resolve().parents[2]
SECRET_VARIABLES = [field.upper() for field in Settings.SECRET_FIELDS] + ["WEB_SECRET_KEY"]


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No secret (nor its ``_FILE`` variant) inherited from the machine running the tests."""
    for variable in SECRET_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
        monkeypatch.delenv(f"{variable}_FILE", raising=False)
    return monkeypatch


def _secret(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def test_every_secret_setting_reads_its_file(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = generate_key_pair()
    files = {
        "ACCESS_TOKEN_PRIVATE_KEY_FILE": _secret(tmp_path, "private.pem", keys.private_pem),
        "ACCESS_TOKEN_PUBLIC_KEY_FILE": _secret(tmp_path, "public.pem", keys.public_pem),
        # Written by `echo`: the final line break is not part of the password.
        "SMTP_PASSWORD_FILE": _secret(tmp_path, "smtp", "mot de passe SMTP\n"),
        "SMTP_USERNAME_FILE": _secret(tmp_path, "smtp-user", "relais@exemple.fr\n"),
        "ADMIN_PASSWORD_FILE": _secret(tmp_path, "admin", "Un mot de passe d'admin\r\n"),
        "MONGO_URL_FILE": _secret(tmp_path, "mongo", "mongodb://app:s3cret@db:27017/\n"),
        "AMQP_URL_FILE": _secret(tmp_path, "amqp", "amqp://app:s3cret@mq:5672/\n"),
        "WEB_SECRET_KEY_FILE": _secret(tmp_path, "web", "k" * 40 + "\n"),
    }
    for variable, path in files.items():
        clean_environment.setenv(variable, path)

    settings = Settings()
    web = WebSettings()

    assert settings.access_token_private_key == keys.private_pem.rstrip("\n")
    assert settings.access_token_public_key == keys.public_pem.rstrip("\n")
    assert settings.smtp_password == "mot de passe SMTP"
    assert settings.smtp_username == "relais@exemple.fr"
    assert settings.admin_password == "Un mot de passe d'admin"
    assert settings.mongo_url == "mongodb://app:s3cret@db:27017/"
    assert settings.amqp_url == "amqp://app:s3cret@mq:5672/"
    assert web.secret_key == "k" * 40


def test_a_setting_given_twice_is_refused(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.setenv("SMTP_PASSWORD", "en clair")
    clean_environment.setenv("SMTP_PASSWORD_FILE", _secret(tmp_path, "smtp", "dans un fichier"))

    with pytest.raises(SecretFileError, match="SMTP_PASSWORD et SMTP_PASSWORD_FILE"):
        Settings()


def test_a_file_that_cannot_be_read_is_refused(
    clean_environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_environment.setenv("WEB_SECRET_KEY_FILE", str(tmp_path / "absent"))

    with pytest.raises(SecretFileError, match="WEB_SECRET_KEY_FILE désigne un fichier illisible"):
        WebSettings()


@contextlib.contextmanager
def _service(name: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", f"services.{name}"], cwd=REPO, env=env, stderr=log.open("wb")
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def _healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    async with aiohttp.ClientSession() as http:

        async def answers() -> bool:
            assert process.poll() is None, f"{url}: the service stopped, see {log}"
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as response:
                    return response.status == 200
            return False

        await wait_until(answers, within=60, what=url)


@pytest.mark.parametrize("service", ["notifier", "accounts"])
async def test_a_service_run_alone_takes_its_database_and_key_from_files(
    service: str, mongo_url: str, database_prefix: str, tmp_path: Path
) -> None:
    keys = generate_key_pair()
    port = free_port()
    data_dir = tmp_path / "data"
    env = {
        name: value
        for name, value in os.environ.items()
        if name.removesuffix("_FILE") not in SECRET_VARIABLES
    }
    env.update(
        {
            "MONGO_URL_FILE": _secret(tmp_path, "mongo", mongo_url + "\n"),
            "SMTP_PASSWORD_FILE": _secret(tmp_path, "smtp", "mot de passe\n"),
            "HTTP_PORT": str(port),
            "DATA_DIR": str(data_dir),
            "DATABASE_PREFIX": database_prefix,
            "LOG_LEVEL": "WARNING",
        }
    )
    if service == "accounts":
        env["ACCESS_TOKEN_PRIVATE_KEY_FILE"] = _secret(tmp_path, "private", keys.private_pem)
    else:
        env["ACCESS_TOKEN_PUBLIC_KEY_FILE"] = _secret(tmp_path, "public", keys.public_pem)
    log = tmp_path / f"{service}.log"

    with _service(service, env, log) as process:
        await _healthy(f"http://127.0.0.1:{port}/api/{service}/health", process, log)

    # The key came from the file: none was created in the data folder.
    assert not (data_dir / "keys").exists() or not any((data_dir / "keys").iterdir())
