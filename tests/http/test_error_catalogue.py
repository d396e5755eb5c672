"""Each error takes its French wording from its package's catalogue, and every wording is used."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from shared.http import ErrorCatalogue, ErrorKind

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_FILES = sorted(
    path.relative_to(ROOT)
    for folder in ("services", "shared")
    for path in (ROOT / folder).glob("**/data/errors.toml")
)


def test_every_service_and_the_shared_layer_have_a_catalogue() -> None:
    packages = {".".join(path.parts[:-2]) for path in CATALOGUE_FILES}

    assert {
        "shared.http",
        "services.accounts",
        "services.agenda",
        "services.messaging",
        "services.notifier",
    } <= packages


@pytest.mark.parametrize("path", CATALOGUE_FILES, ids=str)
def test_every_wording_of_a_catalogue_is_taken_by_an_error(path: Path) -> None:
    # The wording of ``<package>/data/errors.toml`` is taken by ``<package>.errors``.
    module = importlib.import_module(".".join(path.parts[:-2]) + ".errors")

    assert module.CATALOGUE.unused() == []


def test_an_error_takes_its_status_code_and_wording() -> None:
    catalogue = ErrorCatalogue("test", {"item_not_found": "Élément introuvable."})

    kind = catalogue.kind(404, "item_not_found")

    assert kind == ErrorKind(404, "item_not_found", "Élément introuvable.")
    assert catalogue.unused() == []


def test_an_error_without_wording_fails_when_declared() -> None:
    catalogue = ErrorCatalogue("test", {"item_not_found": "Élément introuvable."})

    with pytest.raises(LookupError, match="test has no wording for name_taken"):
        catalogue.kind(409, "name_taken")


def test_a_code_with_two_wordings_takes_the_named_one() -> None:
    catalogue = ErrorCatalogue(
        "test", {"link_expired": {"general": "Lien expiré.", "email_change": "Lien périmé."}}
    )

    kind = catalogue.kind(410, "link_expired", variant="email_change")

    assert kind == ErrorKind(410, "link_expired", "Lien périmé.")
    assert catalogue.unused() == ["link_expired.general"]


def test_a_code_with_two_wordings_without_its_variant_fails_and_names_them() -> None:
    catalogue = ErrorCatalogue(
        "test", {"link_expired": {"general": "Lien expiré.", "email_change": "Lien périmé."}}
    )

    with pytest.raises(LookupError, match=r"link_expired\.email_change, link_expired\.general"):
        catalogue.kind(410, "link_expired")
    with pytest.raises(LookupError, match=r"no wording for link_expired\.other"):
        catalogue.kind(410, "link_expired", variant="other")


@pytest.mark.parametrize("wording", ["", "  ", 3, ["Lien expiré."]])
def test_a_wording_that_is_not_text_fails_when_read(wording: object) -> None:
    with pytest.raises(ValueError, match="the wording of link_expired must be a non-empty text"):
        ErrorCatalogue("test", {"link_expired": wording})
