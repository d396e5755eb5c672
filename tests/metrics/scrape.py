"""Reading a service's ``/metrics`` page as Prometheus would."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Scrape:
    """The samples of one scrape: ``{(name, labels): value}``."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels`` (0 if none)."""
        wanted = set(labels.items())
        return sum(
            value
            for (sample, sample_labels), value in self.samples.items()
            if sample == name and wanted <= sample_labels
        )

    def labels_of(self, name: str) -> list[Mapping[str, str]]:
        """The label sets of every sample of ``name``."""
        return [dict(labels) for sample, labels in self.samples if sample == name]

    def services(self) -> set[str]:
        """The ``service`` labels found on the page."""
        return {value for _, labels in self.samples for key, value in labels if key == "service"}


def parse(text: str) -> Scrape:
    """Parse the text exposition format with the official client's parser."""
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return Scrape(samples)


async def scrape(http: aiohttp.ClientSession, url: str) -> Scrape:
    """GET ``url`` and parse it; fail unless it is Prometheus's text format."""
    async with http.get(url) as response:
        text = await response.text()
        assert response.status == 200, text
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(text)
