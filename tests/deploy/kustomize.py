"""A small, offline stand-in for ``kustomize build``, for the features the repo uses.

It reads a kustomization's ``resources`` (files, or folders holding a kustomization),
then applies its ``patches``, ``images`` and ``namespace`` in kustomize's order. Patches
are either strategic-merge patches that only merge maps, replace scalars and plain
lists, or delete a whole resource (``$patch: delete``), or JSON 6902 patches (``add``,
``replace``, ``remove``) with a ``target``. Anything else (another field of the
kustomization, a patch that would merge a list of objects by key) fails loudly rather
than render something kustomize would render differently.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Manifest = dict[str, Any]

_SUPPORTED_FIELDS = {"apiVersion", "kind", "namespace", "resources", "images", "patches"}
# Kinds that live outside namespaces, among those the repo uses.
_CLUSTER_SCOPED = {"Namespace"}


class UnsupportedError(Exception):
    """The kustomization uses a feature this renderer does not reproduce."""


def build(directory: Path) -> list[Manifest]:
    """The manifests ``kustomize build directory`` would print."""
    kustomization = _documents((directory / "kustomization.yaml").read_text())[0]
    unsupported = set(kustomization) - _SUPPORTED_FIELDS
    if unsupported:
        raise UnsupportedError(f"{directory}: {sorted(unsupported)}")
    manifests: list[Manifest] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        manifests += build(path) if path.is_dir() else _documents(path.read_text())
    for patch in kustomization.get("patches", []):
        manifests = _patch(manifests, patch, directory)
    for image in kustomization.get("images", []):
        _set_image(manifests, image)
    namespace = kustomization.get("namespace")
    if namespace:
        for manifest in manifests:
            if manifest["kind"] not in _CLUSTER_SCOPED:
                manifest["metadata"]["namespace"] = namespace
    return manifests


def _documents(text: str) -> list[Manifest]:
    return [document for document in yaml.safe_load_all(text) if document is not None]


def _patch(manifests: list[Manifest], entry: dict[str, Any], directory: Path) -> list[Manifest]:
    if set(entry) - {"path", "patch", "target"}:
        raise UnsupportedError(f"patch fields {sorted(entry)}")
    text = entry["patch"] if "patch" in entry else (directory / entry["path"]).read_text()
    parsed = yaml.safe_load(text)
    if isinstance(parsed, list):  # JSON 6902
        target = entry["target"]
        if set(target) - {"kind", "name"}:
            raise UnsupportedError(f"patch target {sorted(target)}")
        found = [m for m in manifests if _is(m, target["kind"], target["name"])]
        assert found, f"no {target['kind']} {target['name']} to patch"
        for manifest in found:
            for operation in parsed:
                _json_patch(manifest, operation)
        return manifests
    if "target" in entry:
        raise UnsupportedError("a strategic-merge patch with a target")
    for document in _documents(text):
        kind, name = document["kind"], document["metadata"]["name"]
        found = [m for m in manifests if _is(m, kind, name)]
        assert len(found) == 1, f"{kind} {name}: {len(found)} resources to patch"
        if document.get("$patch") == "delete":
            manifests = [m for m in manifests if m is not found[0]]
        else:
            _merge(found[0], document, f"{kind}/{name}")
    return manifests


def _is(manifest: Manifest, kind: str, name: str) -> bool:
    return bool(manifest["kind"] == kind and manifest["metadata"]["name"] == name)


def _merge(into: dict[str, Any], patch: dict[str, Any], where: str) -> None:
    for key, value in patch.items():
        if key.startswith("$"):
            raise UnsupportedError(f"{where}: directive {key}")
        if value is None:
            into.pop(key, None)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, f"{where}.{key}")
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            # Kubernetes merges lists of objects by a key (containers by name…).
            raise UnsupportedError(f"{where}.{key}: merging a list of objects")
        else:
            into[key] = copy.deepcopy(value)


def _json_patch(manifest: Manifest, operation: dict[str, Any]) -> None:
    op, path = operation["op"], operation["path"]
    *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]
    node: Any = manifest
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if op == "remove":
        del node[int(last) if isinstance(node, list) else last]
    elif op in {"add", "replace"}:
        value = copy.deepcopy(operation["value"])
        if isinstance(node, list):
            if last == "-":
                node.append(value)
            elif op == "add":
                node.insert(int(last), value)
            else:
                node[int(last)] = value
        else:
            if op == "replace":
                assert last in node, f"replace of a missing {path}"
            node[last] = value
    else:
        raise UnsupportedError(f"JSON patch operation {op}")


def _set_image(manifests: list[Manifest], image: dict[str, str]) -> None:
    if set(image) - {"name", "newName", "newTag"}:
        raise UnsupportedError(f"image fields {sorted(image)}")
    for manifest in manifests:
        template = manifest.get("spec", {}).get("template", {})
        for container in template.get("spec", {}).get("containers", []):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image.get('newTag', tag)}"
