"""A real browser (Debian's Chromium driven by Playwright) looking at the site.

:func:`look` is called on every page a journey visits: it runs axe-core at 1280 and
375 px (no violation of impact serious or critical may remain) and writes a
screenshot of each width into ``var/screenshots/<test>/`` (ignored by git), so
anyone can look at the site after the tests.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "var" / "screenshots"
WIDTHS = (1280, 375)
BLOCKING = ("serious", "critical")
_AXE = Axe()
# With JavaScript off, Chromium still runs the test's own scripts but never fires their
# timers, and axe-core waits on ``setTimeout``. The HTML parser tells whether scripting
# is on (``<noscript>`` content becomes elements only when it is off); when it is off,
# timers become microtasks for axe's sake (no script of the page runs anyway).
_SCRIPTING_ON = """() => {
  const probe = document.createElement("div");
  probe.innerHTML = "<noscript><p></p></noscript>";
  return probe.querySelector("noscript p") === null;
}"""
_TIMERS_AS_MICROTASKS = """() => {
  window.setTimeout = (run, _delay, ...args) => {
    Promise.resolve().then(() => run(...args));
    return 0;
  };
  window.clearTimeout = () => {};
}"""


@dataclass
class Looker:
    """Screenshots and accessibility checks for one test."""

    test_name: str
    count: int = 0
    minor: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        """Where this test's screenshots go."""
        return SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", self.test_name)[:90]

    async def look(self, page: Page, name: str) -> None:
        """Check the page at both widths with axe-core and photograph it."""
        if self.count == 0 and self.folder.exists():
            # An earlier run's pictures would mix with this one's under other numbers.
            shutil.rmtree(self.folder)
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        original = page.viewport_size or {"width": WIDTHS[0], "height": 900}
        problems: list[str] = []
        if not await page.evaluate(_SCRIPTING_ON):
            await page.evaluate(_TIMERS_AS_MICROTASKS)
        for width in WIDTHS:
            await page.set_viewport_size({"width": width, "height": 900})
            results = await _AXE.run(page)
            for violation in results.response["violations"]:
                line = _describe(violation, width)
                if violation.get("impact") in BLOCKING:
                    problems.append(line)
                else:
                    self.minor.append(line)
            # Nothing may push the page wider than the screen (sideways scrolling on a phone).
            scroll_width = await page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                problems.append(f"the page is {scroll_width} px wide at {width} px")
            await page.screenshot(
                path=str(self.folder / f"{self.count:02d}-{name}-{width}.png"), full_page=True
            )
        await page.set_viewport_size(original)
        assert not problems, f"axe-core on « {name} » ({page.url}):\n" + "\n".join(problems)

    def write_report(self) -> None:
        """Keep the minor findings next to the screenshots, to read and fix later."""
        if self.minor:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / "axe-minor.json").write_text(json.dumps(self.minor, indent=1))


def _describe(violation: dict[str, Any], width: int) -> str:
    targets = [", ".join(node.get("target", [])) for node in violation.get("nodes", [])[:3]]
    impact, rule = violation.get("impact"), violation["id"]
    return f"[{impact}] {rule} at {width}px: {violation.get('help')} — {targets}"
