"""The Kubernetes manifests (deploy/kubernetes/): valid, and in step with the code.

The kustomizations are rendered offline (``tests/deploy/kustomize.py``, no kustomize
binary, no cluster) and every built-in resource is validated against the Kubernetes
JSON schemas that kubernetes-validate ships (strict: an unknown field fails). Then the
manifests are compared with what the code and docker-compose.yml say: the deployables,
their commands and ports, the health routes, the settings the code reads, the queue
names the services declare, the gateway's routes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, cast

import kubernetes_validate
import pytest
import yaml
from pydantic_settings import BaseSettings

from services.accounts.settings import AccountsSettings
from services.agenda.settings import AgendaSettings
from services.messaging.settings import MessagingSettings
from services.messaging.subscriptions import subscriptions as messaging_subscriptions
from services.notifier.settings import NotifierSettings
from services.notifier.subscriptions import SERVICE as NOTIFIER
from services.notifier.subscriptions import consumed as notifier_consumed
from services.web.client import api_url
from services.web.settings import WebSettings
from shared import tracing
from shared.bus import Delivery, Subscription
from shared.events import Event
from shared.http.routing import OPENAPI_PATH
from shared.runtime import ServiceContext
from shared.settings import Settings
from tests.deploy.kustomize import Manifest, UnsupportedError, build
from tests.deploy.nginx import gateway_routes

REPO = Path(__file__).parents[2]
KUBERNETES = REPO / "deploy" / "kubernetes"
BASE = KUBERNETES / "base"
PRODUCTION = KUBERNETES / "overlays" / "production"
DEPLOY_README = REPO / "deploy" / "README.md"
# The oldest Kubernetes the manifests are checked against (schemas bundled offline).
KUBERNETES_VERSION = "1.33"
SERVICES = ("accounts", "agenda", "messaging", "notifier")
DEPLOYABLES = (*SERVICES, "web")
OWN_SETTINGS: dict[str, type[BaseSettings]] = {
    "accounts": AccountsSettings,
    "agenda": AgendaSettings,
    "messaging": MessagingSettings,
    "notifier": NotifierSettings,
    "web": WebSettings,
}
# Secrets the operators of the production overlay create; the others are the
# deployment's own, created as deploy/README.md says.
OPERATOR_SECRETS = {"rabbitmq-default-user", "mongodb-admin-prochorientation"}


@pytest.fixture(scope="module")
def base() -> list[Manifest]:
    return build(BASE)


@pytest.fixture(scope="module")
def production() -> list[Manifest]:
    return build(PRODUCTION)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(document, dict)
    return document


def _one(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def _names(manifests: list[Manifest], kind: str) -> set[str]:
    return {m["metadata"]["name"] for m in manifests if m["kind"] == kind}


def _container(manifests: list[Manifest], name: str) -> dict[str, Any]:
    containers = _one(manifests, "Deployment", name)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, name
    return cast(dict[str, Any], containers[0])


def _config(manifests: list[Manifest], name: str) -> dict[str, str]:
    return cast(dict[str, str], _one(manifests, "ConfigMap", name)["data"])


def _environment(manifests: list[Manifest], name: str) -> dict[str, str | None]:
    """Every variable a container gets: its ConfigMaps' keys, then its own entries."""
    container = _container(manifests, name)
    found: dict[str, str | None] = {}
    for source in container.get("envFrom", []):
        found.update(_config(manifests, source["configMapRef"]["name"]))
    for entry in container.get("env", []):
        found[entry["name"]] = entry.get("value")
    return found


def _secret_references(manifests: list[Manifest]) -> Iterator[tuple[str, str, str]]:
    """``(deployment, variable, secret)`` for every variable read from a Secret."""
    for deployment in (m for m in manifests if m["kind"] == "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for entry in container.get("env", []):
                reference = entry.get("valueFrom", {}).get("secretKeyRef")
                if reference:
                    yield deployment["metadata"]["name"], entry["name"], reference["name"]


# --- the manifests are valid ------------------------------------------------------------

# Custom resources: their schemas come with their operators' CRDs, which
# kubernetes-validate does not bundle and fetching would need the network; the API
# server checks them against the CRD on apply. Here, the shape the platform relies on.
CUSTOM_SHAPES: dict[tuple[str, str], dict[str, Any]] = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): {
        "spec": {"replicas": int, "image": str, "persistence": {"storage": str}, "resources": dict}
    },
    ("mongodbcommunity.mongodb.com/v1", "MongoDBCommunity"): {
        "spec": {
            "type": str,
            "members": int,
            "version": str,
            "security": {"authentication": {"modes": list}},
            "users": list,
        }
    },
    ("keda.sh/v1alpha1", "ScaledObject"): {
        "spec": {
            "scaleTargetRef": {"name": str},
            "minReplicaCount": int,
            "maxReplicaCount": int,
            "triggers": list,
        }
    },
    ("keda.sh/v1alpha1", "TriggerAuthentication"): {"spec": {"secretTargetRef": list}},
}


def _has_shape(value: Any, shape: Any, where: str) -> None:
    if isinstance(shape, dict):
        assert isinstance(value, dict), f"{where} is not a map"
        for key, inner in shape.items():
            assert key in value, f"{where}.{key} is missing"
            _has_shape(value[key], inner, f"{where}.{key}")
    else:
        assert isinstance(value, shape), f"{where} is not a {shape.__name__}"


@pytest.mark.parametrize("overlay", [BASE, PRODUCTION], ids=["base", "production"])
def test_every_manifest_is_valid_kubernetes(overlay: Path) -> None:
    manifests = build(overlay)
    assert manifests
    for manifest in manifests:
        kind, name = manifest["kind"], manifest["metadata"]["name"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), name
        shape = CUSTOM_SHAPES.get((manifest["apiVersion"], kind))
        if shape is not None:
            _has_shape(manifest, {"metadata": {"name": str}, **shape}, f"{kind}/{name}")
            continue
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{kind}/{name}: {error.message} at {list(error.absolute_path)}")
    keys = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert len(keys) == len(set(keys)), "a resource is declared twice"


def test_production_puts_everything_in_its_namespace(production: list[Manifest]) -> None:
    namespace = _one(production, "Namespace", "prochorientation")["metadata"]["name"]
    for manifest in production:
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == namespace, manifest["metadata"]["name"]
    image = _container(production, "accounts")["image"]
    assert image.startswith("registry.example.org/prochorientation:")
    assert {_container(production, name)["image"] for name in DEPLOYABLES} == {image}


# --- services, commands, ports and probes agree with compose and the code ---------------


def test_every_deployable_of_compose_has_a_deployment_service_and_budget(
    base: list[Manifest], compose: dict[str, Any]
) -> None:
    built = {name for name, service in compose["services"].items() if "build" in service}
    assert built == set(DEPLOYABLES)
    assert _names(base, "Deployment") == built
    for name in built:
        container = _container(base, name)
        # The image's entry point is kept (it reads NAME_FILE); args are compose's command.
        assert "command" not in container, name
        assert container["args"] == compose["services"][name]["command"], name
        assert container["image"].split(":")[0] == compose["services"][name]["image"].split(":")[0]
        labels = _one(base, "Deployment", name)["spec"]["selector"]["matchLabels"]
        assert _one(base, "Service", name)["spec"]["selector"] == labels, name
        assert _one(base, "PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"] == labels
        resources = container["resources"]
        assert {"cpu", "memory"} <= set(resources["requests"]) & set(resources["limits"]), name
        # The autoscaler owns the number of replicas: a replicas field would reset it.
        assert "replicas" not in _one(base, "Deployment", name)["spec"], name


def test_container_ports_are_those_the_settings_give(base: list[Manifest]) -> None:
    settings = _config(base, "platform-settings")
    for name in DEPLOYABLES:
        ports = {port["name"]: port["containerPort"] for port in _container(base, name)["ports"]}
        assert ports["http"] == int(settings["HTTP_PORT"]) == 8080, name
        assert settings["HTTP_HOST"] == "0.0.0.0"
        service_ports = _one(base, "Service", name)["spec"]["ports"]
        assert [(p["port"], p["targetPort"]) for p in service_ports] == [(8080, "http")], name
        expected = {"http", "smtp"} if name in ("messaging", "notifier") else {"http"}
        assert set(ports) == expected, name
    messaging_ports = {
        p["name"]: p["containerPort"] for p in _container(base, "messaging")["ports"]
    }
    assert messaging_ports["smtp"] == int(settings["RELAY_SMTP_PORT"])
    # Messaging's inbound SMTP listens on HTTP_HOST unless MESSAGING_SMTP_HOST says otherwise.
    assert "MESSAGING_SMTP_HOST" not in _environment(base, "messaging")


def test_the_bounce_smtp_is_a_load_balancer_on_port_25_to_the_notifier(
    base: list[Manifest],
) -> None:
    bounces = _one(base, "Service", "notifier-bounces")["spec"]
    assert bounces["type"] == "LoadBalancer"
    assert bounces["selector"] == _one(base, "Service", "notifier")["spec"]["selector"]
    assert [(p["port"], p["targetPort"]) for p in bounces["ports"]] == [(25, "smtp")]
    ports = {p["name"]: p["containerPort"] for p in _container(base, "notifier")["ports"]}
    environment = _environment(base, "notifier")
    assert ports["smtp"] == int(environment["NOTIFIER_BOUNCE_SMTP_PORT"] or 0)
    assert environment["NOTIFIER_BOUNCE_SMTP_HOST"] == "0.0.0.0"


def test_the_relay_smtp_is_a_load_balancer_on_port_25(base: list[Manifest]) -> None:
    relay = _one(base, "Service", "messaging-relay")["spec"]
    assert relay["type"] == "LoadBalancer"
    assert relay["selector"] == _one(base, "Service", "messaging")["spec"]["selector"]
    assert [(p["port"], p["targetPort"], p["protocol"]) for p in relay["ports"]] == [
        (25, "smtp", "TCP")
    ]


def test_probes_use_the_health_routes(base: list[Manifest], compose: dict[str, Any]) -> None:
    for name in DEPLOYABLES:
        container = _container(base, name)
        port_names = {port["name"] for port in container["ports"]}
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert container[probe]["httpGet"]["port"] in port_names, f"{name} {probe}"
        # Readiness: the route compose's healthcheck calls, 503 while MongoDB or
        # RabbitMQ (the site: its MongoDB) does not answer (shared/runtime.py).
        readiness = container["readinessProbe"]["httpGet"]["path"]
        healthcheck = " ".join(compose["services"][name]["healthcheck"]["test"])
        assert f"http://127.0.0.1:8080{readiness}'" in healthcheck, name
        # Liveness depends on neither: restarting a process does not mend a database.
        liveness = container["livenessProbe"]["httpGet"]["path"]
        assert container["startupProbe"]["httpGet"]["path"] == liveness
        if name == "web":
            static = liveness.removeprefix("/static/")
            assert (REPO / "services" / "web" / "static" / static).is_file()
        else:
            assert readiness == f"/api/{name}/health"
            assert liveness == f"/api/{name}{OPENAPI_PATH}"


# --- environment: only settings the code reads ------------------------------------------


def _known_settings(name: str) -> set[str]:
    own = OWN_SETTINGS[name]
    prefix = str(own.model_config.get("env_prefix", "")).upper()
    return (
        {field.upper() for field in Settings.model_fields}
        | {prefix + field.upper() for field in own.model_fields}
        | set(tracing.DEPLOYMENT_VARIABLES)
    )


@pytest.mark.parametrize("overlay", [BASE, PRODUCTION], ids=["base", "production"])
def test_every_variable_given_to_a_container_is_a_setting_it_reads(overlay: Path) -> None:
    manifests = build(overlay)
    for name in DEPLOYABLES:
        environment = _environment(manifests, name)
        known = _known_settings(name)
        # A variable the code does not read is only there to compose one it reads
        # ($(NAME), expanded by Kubernetes from variables listed before it).
        composed: set[str] = set()
        order = [entry["name"] for entry in _container(manifests, name).get("env", [])]
        for variable, value in environment.items():
            for used in re.findall(r"\$\(([A-Z0-9_]+)\)", value or ""):
                assert used in order[: order.index(variable)], f"{name}: {used} comes after"
                composed.add(used)
        for variable in environment:
            assert variable in known | composed, f"{name}: {variable} is not a setting"
        assert not composed & known, f"{name}: a setting used as a building block"


def test_every_process_sends_its_traces_where_one_setting_says(
    base: list[Manifest], production: list[Manifest]
) -> None:
    # Off by default; one key of the shared ConfigMap turns exporting on everywhere.
    assert _config(base, "platform-settings")["OTEL_EXPORTER_OTLP_ENDPOINT"] == ""
    for name in DEPLOYABLES:
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" in _environment(base, name), name
        environment = _environment(production, name)
        assert environment["OTEL_RESOURCE_ATTRIBUTES"] == "deployment.environment=production"


def test_services_get_their_broker_database_and_keys(base: list[Manifest]) -> None:
    for name in SERVICES:
        environment = _environment(base, name)
        assert environment["AMQP_URL"] == (
            "amqp://$(RABBITMQ_USERNAME):$(RABBITMQ_PASSWORD)@$(RABBITMQ_HOST):5672/"
        )
        assert {"MONGO_URL", "ACCESS_TOKEN_PUBLIC_KEY", "PUBLIC_URL", "RELAY_DOMAIN"} <= set(
            environment
        )
    secrets = {
        (deployment, variable): secret for deployment, variable, secret in _secret_references(base)
    }
    holders = {
        deployment for (deployment, variable) in secrets if variable == "ACCESS_TOKEN_PRIVATE_KEY"
    }
    assert holders == {"accounts"}
    smtp = {deployment for (deployment, variable) in secrets if variable.startswith("SMTP_")}
    assert smtp == {"notifier"}
    assert "SMTP_HOST" in _environment(base, "notifier")
    web = _environment(base, "web")
    # The site only calls the API: nothing of the broker or of the token keys.
    assert not {"AMQP_URL", "ACCESS_TOKEN_PUBLIC_KEY", "ACCESS_TOKEN_PRIVATE_KEY"} & set(web)
    assert {"MONGO_URL", "WEB_SECRET_KEY", "WEB_API_URL"} <= set(web)


def test_no_secret_is_shipped_and_each_one_is_documented(
    base: list[Manifest], production: list[Manifest]
) -> None:
    assert not _names(base + production, "Secret")
    readme = DEPLOY_README.read_text()
    referenced = {secret for _, _, secret in _secret_references(production)}
    for secret in referenced - OPERATOR_SECRETS:
        assert f"kubectl create secret generic {secret}" in readme, secret
    mongodb = _one(production, "MongoDBCommunity", "mongodb")
    for user in mongodb["spec"]["users"]:
        password = user["passwordSecretRef"]["name"]
        assert f"kubectl create secret generic {password}" in readme, password
    assert referenced >= OPERATOR_SECRETS


# --- routing: the Ingress and the site do what the gateway does ------------------------


def test_the_ingress_routes_as_the_gateway_does(production: list[Manifest]) -> None:
    ingress = _one(production, "Ingress", "prochorientation")
    annotations = ingress["metadata"]["annotations"]
    # Paths are kept as they come (each service serves under /api/<service>/).
    assert not [key for key in annotations if "rewrite" in key]
    (rule,) = ingress["spec"]["rules"]
    routes: dict[str, str] = {}
    for path in rule["http"]["paths"]:
        assert path["pathType"] == "Prefix"
        backend = path["backend"]["service"]
        service = _one(production, "Service", backend["name"])
        (port,) = [
            p["port"] for p in service["spec"]["ports"] if p["name"] == backend["port"]["name"]
        ]
        routes[path["path"]] = f"{backend['name']}:{port}"
    gateway = (REPO / "deploy" / "gateway" / "nginx.conf").read_text()
    assert routes == gateway_routes(gateway)
    body = re.search(r"client_max_body_size\s+(\d+m);", gateway)
    assert body is not None
    assert annotations["nginx.ingress.kubernetes.io/proxy-body-size"] == body.group(1)
    assert rule["host"] == ingress["spec"]["tls"][0]["hosts"][0]
    public_url = _config(production, "platform-settings")["PUBLIC_URL"]
    assert public_url == f"https://{rule['host']}"


def test_the_site_calls_each_service_at_its_own_service(base: list[Manifest]) -> None:
    template = _environment(base, "web")["WEB_API_URL"]
    assert template is not None
    for name in SERVICES:
        url = api_url(template, f"/{name}/health")
        host, port = url.removeprefix("http://").split("/", 1)[0].split(":")
        service = _one(base, "Service", host)
        assert int(port) in [p["port"] for p in service["spec"]["ports"]]
        assert url.endswith(f"/api/{name}/health")


def test_api_url_keeps_a_gateway_and_fills_a_service_template() -> None:
    assert api_url("http://gateway:8080/", "/agenda/work-queue?x=1") == (
        "http://gateway:8080/api/agenda/work-queue?x=1"
    )
    assert (
        api_url("http://{service}:8080", "/accounts/me") == "http://accounts:8080/api/accounts/me"
    )
    assert api_url("https://{service}.internal", "/messaging") == (
        "https://messaging.internal/api/messaging"
    )


# --- the data stores and the queues --------------------------------------------------


def test_rabbitmq_and_mongodb_are_three_node_clusters_whose_secrets_services_read(
    production: list[Manifest],
) -> None:
    rabbitmq = _one(production, "RabbitmqCluster", "rabbitmq")
    assert rabbitmq["spec"]["replicas"] == 3
    mongodb = _one(production, "MongoDBCommunity", "mongodb")
    assert mongodb["spec"]["type"] == "ReplicaSet"
    assert mongodb["spec"]["members"] == 3
    assert mongodb["spec"]["security"]["authentication"]["modes"] == ["SCRAM"]
    (user,) = mongodb["spec"]["users"]
    # The operators' naming of the Secrets they create.
    rabbitmq_secret = f"{rabbitmq['metadata']['name']}-default-user"
    mongodb_secret = f"{mongodb['metadata']['name']}-{user['db']}-{user['name']}"
    assert {rabbitmq_secret, mongodb_secret} == OPERATOR_SECRETS
    databases = {role["db"] for role in user["roles"] if role["name"] == "readWrite"}
    assert databases == {Settings().database_name(name) for name in DEPLOYABLES}
    for deployment, variable, secret in _secret_references(production):
        if variable == "MONGO_URL":
            assert secret == mongodb_secret, deployment
        if variable.startswith("RABBITMQ_"):
            assert secret == rabbitmq_secret, deployment


class _Declaring:
    """Stands for a service's context while its subscriptions are only being listed."""

    name: ClassVar[str] = "messaging"

    def on(self, model: type[Event], name: str, effect: object, **_: object) -> Subscription:
        return Subscription(self.name, name, model, _never)


async def _never(delivery: Delivery) -> None:
    raise AssertionError("only listed, never run")


def _no_conversations() -> Any:
    raise AssertionError("only listed, never run")


def _queues(service: str, prefix: str) -> set[str]:
    """The consuming queues ``service`` declares (shared/bus/base.py names them)."""
    if service == NOTIFIER:
        listed = [
            Subscription(NOTIFIER, name, event, _never) for event, name in notifier_consumed()
        ]
    else:
        context = cast(ServiceContext, _Declaring())
        listed = list(messaging_subscriptions(context, _no_conversations))
    return {subscription.queue_name(prefix) for subscription in listed}


def test_keda_scales_notifier_and_messaging_on_the_queues_they_declare(
    production: list[Manifest],
) -> None:
    prefix = str(Settings.model_fields["bus_prefix"].default)
    for name in DEPLOYABLES:
        assert "BUS_PREFIX" not in _environment(production, name)
    namespace = _one(production, "Namespace", "prochorientation")["metadata"]["name"]
    rabbitmq = _one(production, "RabbitmqCluster", "rabbitmq")["metadata"]["name"]
    authentication = _one(production, "TriggerAuthentication", "rabbitmq-management")
    assert {ref["name"] for ref in authentication["spec"]["secretTargetRef"]} == {
        f"{rabbitmq}-default-user"
    }
    everyone = {
        queue for service in ("notifier", "messaging") for queue in _queues(service, prefix)
    }
    for name in ("notifier", "messaging"):
        # KEDA makes the autoscaler; a second one on the same Deployment would fight it.
        assert name not in _names(production, "HorizontalPodAutoscaler")
        scaled = _one(production, "ScaledObject", name)["spec"]
        assert scaled["scaleTargetRef"]["name"] == name
        triggers = {trigger["type"]: trigger for trigger in scaled["triggers"]}
        assert triggers["cpu"]["metadata"]["value"] == "70"
        queue = triggers["rabbitmq"]
        assert queue["authenticationRef"]["name"] == authentication["metadata"]["name"]
        metadata = queue["metadata"]
        assert metadata["host"] == f"http://{rabbitmq}.{namespace}.svc:15672/"
        assert (metadata["protocol"], metadata["useRegex"], metadata["operation"]) == (
            "http",
            "true",
            "sum",
        )
        pattern = re.compile(metadata["queueName"])
        own = _queues(name, prefix)
        assert len(own) >= 2
        matched = {queue for queue in everyone if pattern.search(queue)}
        assert matched == own, name
        # Parked messages wait for an operator, and retries wait in the shared queues:
        # neither is work more replicas would do.
        assert not [q for q in own if pattern.search(f"{q}.parking")]
        assert not pattern.search(f"{prefix}.wait.1000")
    for name in ("accounts", "agenda", "web"):
        autoscaler = _one(production, "HorizontalPodAutoscaler", name)["spec"]
        assert autoscaler["minReplicas"] == 3
        assert autoscaler["scaleTargetRef"]["name"] == name
        (metric,) = autoscaler["metrics"]
        assert metric["resource"]["name"] == "cpu"


def test_base_scales_every_deployable_on_cpu(base: list[Manifest]) -> None:
    assert _names(base, "HorizontalPodAutoscaler") == set(DEPLOYABLES)
    for name in DEPLOYABLES:
        autoscaler = _one(base, "HorizontalPodAutoscaler", name)["spec"]
        assert autoscaler["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert autoscaler["minReplicas"] >= 2
        (metric,) = autoscaler["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["type"] == "Utilization"


# --- the renderer renders what kustomize would, or refuses ------------------------------


def _kustomization(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kustomization.yaml").write_text(text)
    return folder


def test_the_renderer_applies_patches_images_and_namespace(tmp_path: Path) -> None:
    base = _kustomization(tmp_path / "base", "resources: [app.yaml]\n")
    (base / "app.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {X: '1', Y: '2'}\n"
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
        "spec: {template: {spec: {containers: [{name: c, image: 'app:latest'}]}}}\n"
    )
    overlay = _kustomization(
        tmp_path / "overlay",
        """
namespace: ns
resources: [../base]
images: [{name: app, newName: registry/app, newTag: '2'}]
patches:
  - patch: |-
      {apiVersion: v1, kind: ConfigMap, metadata: {name: a}, data: {Y: '3', Z: '4'}}
  - patch: |-
      {apiVersion: v1, kind: ConfigMap, metadata: {name: b}, $patch: delete}
  - target: {kind: Deployment, name: d}
    patch: |-
      - {op: add, path: /spec/replicas, value: 2}
""",
    )

    rendered = build(overlay)

    assert [m["metadata"]["name"] for m in rendered] == ["a", "d"]
    assert rendered[0]["data"] == {"X": "1", "Y": "3", "Z": "4"}
    assert rendered[1]["spec"]["replicas"] == 2
    assert rendered[1]["spec"]["template"]["spec"]["containers"][0]["image"] == "registry/app:2"
    assert {m["metadata"]["namespace"] for m in rendered} == {"ns"}


@pytest.mark.parametrize(
    "kustomization",
    [
        "resources: [app.yaml]\ncommonLabels: {a: b}\n",
        # Kubernetes would merge containers by name; this renderer would replace them.
        "resources: [app.yaml]\npatches:\n  - patch: |-\n      {apiVersion: apps/v1, kind: "
        "Deployment, metadata: {name: d}, spec: {template: {spec: {containers: [{name: c}]}}}}\n",
    ],
    ids=["another field", "a list of objects to merge"],
)
def test_the_renderer_refuses_what_it_does_not_reproduce(
    tmp_path: Path, kustomization: str
) -> None:
    folder = _kustomization(tmp_path, kustomization)
    (folder / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
        "spec: {template: {spec: {containers: [{name: c, image: 'app:1'}]}}}\n"
    )

    with pytest.raises(UnsupportedError):
        build(folder)
