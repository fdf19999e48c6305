"""The README's architecture diagram is the import graph of the code, and the layers hold:
the diagram is checked against every `import` of the project's packages, so neither can drift.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PACKAGES = (
    "cli",
    "web",
    "flows",
    "services",
    "states",
    "models",
    "notifications",
    "doc_templates",
    "i18n",
    "settings",
    "scenarios",
    "procedures",
    "migrations",
)


def _sources(package: str) -> list[Path]:
    single = ROOT / f"{package}.py"
    return [single] if single.is_file() else sorted((ROOT / package).rglob("*.py"))


def imports_between_packages() -> set[tuple[str, str]]:
    """(importer, imported) for every import from one top-level package of ours to another."""
    edges: set[tuple[str, str]] = set()
    for package in PACKAGES:
        for path in _sources(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    head = name.split(".")[0]
                    if head in PACKAGES and head != package:
                        edges.add((package, head))
    return edges


def diagram_edges() -> set[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- architecture:start -->")[1].split("<!-- architecture:end -->")[0]
    return set(re.findall(r"^\s*(\w+) --> (\w+)\s*$", section, flags=re.M))


def test_the_readme_diagram_is_the_import_graph():
    actual, drawn = imports_between_packages(), diagram_edges()
    assert not actual - drawn, f"imports the diagram does not show: {sorted(actual - drawn)}"
    assert not drawn - actual, f"arrows no import justifies: {sorted(drawn - actual)}"


def test_the_layers_point_one_way():
    edges = imports_between_packages()
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported in edges:
        graph[importer].add(imported)
    assert not graph["states"], "states/ is pure: it imports nothing else of ours"
    assert not graph["models"], "models/ knows no rule and no use case"
    for edge in ("cli", "web", "flows"):
        assert edge not in graph["services"], f"services/ must not import {edge}/"
    for edge in ("web", "flows"):
        assert "models" not in graph[edge], f"{edge}/ reads the database through services/"

    def reaches(start: str, seen: set[str]) -> set[str]:
        for nxt in graph[start] - seen:
            seen.add(nxt)
            reaches(nxt, seen)
        return seen

    for package in PACKAGES:
        assert package not in reaches(package, set()), f"{package} imports itself back"
