"""axe-core in the browser tests: run its WCAG 2.1 A and AA rules on a page, say what fails.

axe-core's script comes bundled in the PyPI package `axe-playwright-python` (a dev dependency):
it is evaluated in the page through Playwright, which the dashboard's Content-Security-Policy
(no script at all) does not stop, so the pages are checked as served. Only violations count:
axe's "incomplete" results (text drawn in SVG, whose background it cannot compute) are left
to `web.charts`, which picks every text colour by its contrast ratio.

Also here: which of the application's GET routes an address belongs to, so that the test can
tell a page no visit reached (a new page is checked without editing the test, or named).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from starlette.routing import compile_path

from web.app import MACHINE_PATHS

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": list(WCAG_TAGS)},
    "resultTypes": ["violations"],  # the other kinds without their nodes: a faster run
}
_AXE = Axe()


@dataclass(frozen=True)
class Violation:
    """One axe rule broken on a page, with the elements that break it."""

    rule: str
    impact: str
    help: str
    help_url: str
    targets: tuple[str, ...]
    summaries: tuple[str, ...]

    @classmethod
    def from_axe(cls, found: dict[str, Any]) -> Violation:
        nodes = found.get("nodes", [])
        return cls(
            rule=str(found["id"]),
            impact=str(found.get("impact") or "?"),
            help=str(found.get("help", "")),
            help_url=str(found.get("helpUrl", "")),
            targets=tuple(" ".join(map(str, n.get("target", []))) for n in nodes),
            summaries=tuple(str(n.get("failureSummary") or "") for n in nodes),
        )

    def describe(self) -> str:
        lines = [f"  {self.rule} [{self.impact}] {self.help}", f"    {self.help_url}"]
        for target, summary in zip(self.targets, self.summaries, strict=True):
            lines.append(f"    - {target}")
            lines.extend(f"        {line.strip()}" for line in summary.splitlines() if line.strip())
        return "\n".join(lines)


@dataclass(frozen=True)
class Checked:
    """One page as axe saw it: where, in which situation, and what it broke."""

    situation: str
    url: str
    violations: tuple[Violation, ...]


def axe_violations(page: Page) -> tuple[Violation, ...]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    results = _AXE.run(page, options=AXE_OPTIONS)
    return tuple(Violation.from_axe(v) for v in results.response["violations"])


def report(checked: Iterable[Checked]) -> str:
    """Every violation, page by page, readable in a test failure ("" when there is none)."""
    checked = list(checked)
    failing = [c for c in checked if c.violations]
    if not failing:
        return ""
    parts = [f"{len(failing)} of the {len(checked)} pages checked break rules:"]
    for c in failing:
        parts.append(f"{c.url} ({c.situation}): {len(c.violations)} rule(s) broken")
        parts.extend(v.describe() for v in c.violations)
    return "\n".join(parts)


@dataclass(frozen=True)
class GetRoute:
    """A GET route of the application: its path template and what matches it."""

    path: str
    regex: re.Pattern[str]


def application_get_routes(base_url: str) -> tuple[GetRoute, ...]:
    """The GET routes the running dashboard publishes in its OpenAPI schema, less those that
    answer programs only (the JSON API and the calendar feed, `web.app.MACHINE_PATHS`).

    The schema rather than `app.routes`: FastAPI keeps included routers there unexpanded in
    recent versions. A route left out of the schema (`include_in_schema=False`) is missed."""
    schema = httpx.get(f"{base_url}/openapi.json", timeout=10).raise_for_status().json()
    return tuple(
        GetRoute(path, compile_path(path)[0])
        for path, operations in schema["paths"].items()
        if "get" in operations and not path.startswith(MACHINE_PATHS)
    )


def route_of(routes: Iterable[GetRoute], path: str) -> str | None:
    """The template of the first route that matches `path`."""
    for route in routes:
        if route.regex.match(path):
            return route.path
    return None
