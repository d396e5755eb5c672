"""The monitoring the deployment ships: Prometheus finds every replica at the path its
service serves, and the Grafana dashboard graphs only metrics the code defines."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import services.messaging.metrics
import services.notifier.metrics
import shared.metrics
from shared.metrics import METRICS_PATH, REGISTRY
from tests.deploy.kustomize import Manifest, build

REPO = Path(__file__).parents[2]
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "prochorientation.json"
PROMETHEUS_COMPOSE = REPO / "deploy" / "prometheus" / "prometheus.yml"
PROMETHEUS_KUBERNETES = REPO / "deploy" / "prometheus" / "kubernetes.yml"
SERVICES = ("accounts", "agenda", "messaging", "notifier")
DEPLOYABLES = (*SERVICES, "web")
# Modules whose metrics the dashboard graphs (imported above, so registered).
METRIC_MODULES = (shared.metrics, services.notifier.metrics, services.messaging.metrics)
# Series names a metric family of each type exposes, from its family name.
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
    "info": ("_info",),
    "summary": ("", "_count", "_sum"),
}
METRIC_NAME = re.compile(r"\b((?:po|process|python)_[a-z0-9_]+)")


def metrics_path(deployable: str) -> str:
    """Where a deployable serves its metrics: under the service's prefix, or the site's."""
    return METRICS_PATH if deployable == "web" else f"/api/{deployable}{METRICS_PATH}"


def defined_series() -> set[str]:
    """Every series name the process's registry can expose."""
    return {
        family.name + suffix
        for family in REGISTRY.collect()
        for suffix in SUFFIXES.get(family.type, ("",))
    }


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    document = json.loads(DASHBOARD.read_text())
    assert isinstance(document, dict)
    return document


def queries(dashboard: dict[str, Any]) -> list[str]:
    found = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    found += [
        variable["definition"]
        for variable in dashboard["templating"]["list"]
        if variable["type"] == "query"
    ]
    return found


def test_the_dashboard_queries_only_metrics_the_code_defines(dashboard: dict[str, Any]) -> None:
    defined = defined_series()
    named = {name for query in queries(dashboard) for name in METRIC_NAME.findall(query)}
    assert named, "no metric found in the dashboard's queries"
    assert named <= defined, sorted(named - defined)


def test_the_dashboard_graphs_every_metric_of_the_platform(dashboard: dict[str, Any]) -> None:
    text = " ".join(queries(dashboard))
    platform = {family.name for family in REGISTRY.collect() if family.name.startswith("po_")}
    assert platform, "no po_ metric registered"
    missing = {name for name in platform if name not in text}
    assert not missing, sorted(missing)


def test_every_panel_reads_the_chosen_prometheus(dashboard: dict[str, Any]) -> None:
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel
        assert panel["targets"], panel["title"]


def test_compose_prometheus_scrapes_every_replica_at_its_metrics_path() -> None:
    config = yaml.safe_load(PROMETHEUS_COMPOSE.read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert set(jobs) == set(DEPLOYABLES)
    for name, job in jobs.items():
        assert job["metrics_path"] == metrics_path(name)
        # DNS discovery: one target per replica, never the gateway.
        [discovery] = job["dns_sd_configs"]
        assert discovery == {"names": [name], "type": "A", "port": 8080}


def test_compose_runs_prometheus_and_grafana_with_these_files_on_request() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    for name in ("prometheus", "grafana"):
        service = compose["services"][name]
        assert service["profiles"] == ["monitoring"]
        for port in service["ports"]:
            assert port.startswith("127.0.0.1:"), port
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), source


@pytest.fixture(scope="module")
def base() -> list[Manifest]:
    return build(REPO / "deploy" / "kubernetes" / "base")


def test_each_pod_asks_to_be_scraped_at_its_metrics_path(base: list[Manifest]) -> None:
    deployments = {m["metadata"]["name"]: m for m in base if m["kind"] == "Deployment"}
    assert set(deployments) == set(DEPLOYABLES)
    for name, deployment in deployments.items():
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        [container] = template["spec"]["containers"]
        ports = {port["name"]: port["containerPort"] for port in container["ports"]}
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/path"] == metrics_path(name), name
        assert annotations["prometheus.io/port"] == str(ports["http"]), name


def test_kubernetes_prometheus_keeps_the_annotated_pods_and_names_jobs_by_service() -> None:
    config = yaml.safe_load(PROMETHEUS_KUBERNETES.read_text())
    [job] = config["scrape_configs"]
    assert job["kubernetes_sd_configs"][0]["role"] == "pod"
    relabels = job["relabel_configs"]
    assert any(
        rule.get("action") == "keep"
        and rule["source_labels"] == ["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]
        for rule in relabels
    )
    targets = {rule.get("target_label") for rule in relabels}
    assert {"__metrics_path__", "__address__", "job"} <= targets
