"""The distributed deployment's description: docker-compose.yml, the image, the gateway config."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from services.accounts.settings import AccountsSettings
from services.agenda.settings import AgendaSettings
from services.messaging.settings import MessagingSettings
from services.notifier.settings import NotifierSettings
from services.web.settings import WebSettings
from shared import tracing
from shared.keys import generate_key_pair
from shared.settings import Settings
from tests.deploy.nginx import gateway_routes

REPO = Path(__file__).parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
GATEWAY_CONF = REPO / "deploy" / "gateway" / "nginx.conf"
SERVICES = ("accounts", "agenda", "messaging", "notifier")
# Each deployable and the settings class of its own variables (beside the shared ones).
OWN_SETTINGS: dict[str, type[BaseSettings]] = {
    "accounts": AccountsSettings,
    "agenda": AgendaSettings,
    "messaging": MessagingSettings,
    "notifier": NotifierSettings,
    "web": WebSettings,
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict)
    return document


def test_each_service_runs_as_its_own_python_package(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        service = compose["services"][name]
        assert service["command"] == ["python", "-m", f"services.{name}"]
        assert (REPO / "services" / name / "__main__.py").is_file(), f"services.{name}"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"


def test_services_and_the_site_can_be_scaled(compose: dict[str, Any]) -> None:
    for name in OWN_SETTINGS:
        service = compose["services"][name]
        # A fixed container name or host port would make a second replica fail.
        assert "container_name" not in service, name
        assert "ports" not in service, name


def test_services_are_given_broker_database_mail_and_links(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        environment = compose["services"][name]["environment"]
        assert environment["AMQP_URL"].startswith("amqp://")
        assert "@rabbitmq:5672" in environment["AMQP_URL"]
        assert environment["MONGO_URL"].startswith("mongodb://mongodb:27017/")
        assert "replicaSet=rs0" in environment["MONGO_URL"]
        assert environment["SMTP_HOST"] == "mailpit"
        assert "PUBLIC_URL" in environment
        assert "RELAY_DOMAIN" in environment
        assert environment["HTTP_HOST"] == "0.0.0.0"
        assert environment["HTTP_PORT"] == "8080"
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["rabbitmq"]["condition"] == "service_healthy"
        assert depends_on["mongodb"]["condition"] == "service_healthy"


def test_every_setting_given_to_a_service_is_one_it_reads(compose: dict[str, Any]) -> None:
    # A misspelt variable would be silently ignored and the default used instead.
    shared = {name.upper() for name in Settings.model_fields}
    for name, own_settings in OWN_SETTINGS.items():
        prefix = str(own_settings.model_config.get("env_prefix", "")).upper()
        known = (
            shared
            | {prefix + field.upper() for field in own_settings.model_fields}
            | set(tracing.DEPLOYMENT_VARIABLES)
        )
        for variable in compose["services"][name]["environment"]:
            setting = variable.removesuffix("_FILE")  # read from a file by the entry point
            assert setting in known, f"{name}: {variable} is not a setting"


def test_every_process_can_be_given_the_trace_collector(compose: dict[str, Any]) -> None:
    # One variable to set for the whole deployment, unset (empty) by default.
    for name in OWN_SETTINGS:
        environment = compose["services"][name]["environment"]
        assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "${OTEL_EXPORTER_OTLP_ENDPOINT:-}"


def test_only_accounts_holds_the_private_signing_key(compose: dict[str, Any]) -> None:
    for name in SERVICES:
        service = compose["services"][name]
        environment = service["environment"]
        assert "ACCESS_TOKEN_PRIVATE_KEY" not in environment
        assert environment["ACCESS_TOKEN_PUBLIC_KEY_FILE"] == "/run/secrets/access_token_public_key"
        holds_private = "access_token_private_key" in service["secrets"]
        assert holds_private == (name == "accounts"), name
    assert compose["services"]["accounts"]["environment"]["ACCESS_TOKEN_PRIVATE_KEY_FILE"] == (
        "/run/secrets/access_token_private_key"
    )
    for secret in compose["secrets"].values():
        assert (REPO / secret["file"]).parent == REPO / "deploy" / "keys"


def test_mongodb_is_a_replica_set_initiated_by_its_healthcheck(compose: dict[str, Any]) -> None:
    mongodb = compose["services"]["mongodb"]
    command = mongodb["command"]
    assert command[command.index("--replSet") + 1] == "rs0"
    probe = " ".join(mongodb["healthcheck"]["test"])
    assert "rs.initiate" in probe
    assert "'rs0'" in probe
    assert "mongodb:27017" in probe
    assert mongodb["image"].startswith("mongo:")


def test_rabbitmq_reports_its_health(compose: dict[str, Any]) -> None:
    rabbitmq = compose["services"]["rabbitmq"]
    assert rabbitmq["image"].startswith("rabbitmq:")
    assert "rabbitmq-diagnostics" in rabbitmq["healthcheck"]["test"]


def test_gateway_is_nginx_with_the_repo_config_on_port_8080_and_relay_smtp(
    compose: dict[str, Any],
) -> None:
    gateway = compose["services"]["gateway"]
    assert gateway["image"].startswith("nginx:")
    source, target, *_ = gateway["volumes"][0].split(":")
    assert (REPO / source).resolve() == GATEWAY_CONF
    assert target == "/etc/nginx/nginx.conf"
    published = [str(port).rsplit(":", 1)[1] for port in gateway["ports"]]
    assert published == ["8080", "2525", "2526"]
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit")


def test_gateway_routes_each_service_prefix_to_that_service() -> None:
    routes = gateway_routes(GATEWAY_CONF.read_text())

    assert routes == {f"/api/{name}/": f"{name}:8080" for name in SERVICES} | {"/": "web:8080"}


def test_the_site_reaches_the_services_through_the_gateway_with_a_shared_form_key(
    compose: dict[str, Any],
) -> None:
    web = compose["services"]["web"]
    assert web["command"] == ["python", "-m", "services.web"]
    environment = web["environment"]
    assert environment["WEB_API_URL"] == "http://gateway:8080"
    assert environment["WEB_SECRET_KEY_FILE"] == "/run/secrets/web_secret_key"
    assert web["secrets"] == ["web_secret_key"]
    # Nothing of the broker or of the token keys: the site only calls the API.
    assert not {"AMQP_URL", "ACCESS_TOKEN_PUBLIC_KEY_FILE"} & set(environment)
    assert "web" in compose["services"]["gateway"]["depends_on"]


def test_accounts_believes_forwarded_addresses_from_the_deployment_network_only(
    compose: dict[str, Any],
) -> None:
    trusted = compose["services"]["accounts"]["environment"]["ACCOUNTS_TRUSTED_PROXIES"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert trusted == subnet == "${INTERNAL_SUBNET:-172.28.0.0/16}"


def test_gateway_accepts_the_5mb_criminal_record_upload() -> None:
    conf = GATEWAY_CONF.read_text()
    limit = re.search(r"client_max_body_size\s+(\d+)m;", conf)

    assert limit is not None
    assert int(limit.group(1)) >= 6


def test_entry_point_reads_keys_from_secret_files(tmp_path: Path) -> None:
    key = tmp_path / "private.pem"
    key.write_text(generate_key_pair().private_pem)
    environment = {
        "PATH": os.environ["PATH"],
        "ACCESS_TOKEN_PRIVATE_KEY_FILE": str(key),
    }

    shown = subprocess.run(
        [
            "sh",
            str(REPO / "deploy" / "docker-entrypoint.sh"),
            "sh",
            "-c",
            'printf "%s|%s" "$ACCESS_TOKEN_PRIVATE_KEY" "${ACCESS_TOKEN_PRIVATE_KEY_FILE:-unset}"',
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert shown == key.read_text().rstrip("\n") + "|unset"


def test_entry_point_refuses_a_key_given_twice(tmp_path: Path) -> None:
    key = tmp_path / "public.pem"
    key.write_text("clé\n")
    environment = {
        "PATH": os.environ["PATH"],
        "ACCESS_TOKEN_PUBLIC_KEY": "une autre",
        "ACCESS_TOKEN_PUBLIC_KEY_FILE": str(key),
    }

    result = subprocess.run(
        ["sh", str(REPO / "deploy" / "docker-entrypoint.sh"), "true"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "ACCESS_TOKEN_PUBLIC_KEY et ACCESS_TOKEN_PUBLIC_KEY_FILE" in result.stderr


def test_image_runs_the_service_named_at_build_when_given_no_command(tmp_path: Path) -> None:
    # A stand-in for the image's python that only says how it was called.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text('#!/bin/sh\necho "python $*"\n')
    (bin_dir / "python").chmod(0o755)
    environment = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "SERVICE": "agenda"}

    ran = subprocess.run(
        ["sh", str(REPO / "deploy" / "docker-entrypoint.sh")],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert ran == "python -m services.agenda\n"
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.MULTILINE)
    assert re.search(r"^ARG SERVICE=", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' in dockerfile
